#!/bin/sh
# buildctl-daemonless.sh: the usage of BuildKit's examples/buildctl-daemonless/buildctl-daemonless.sh, without
# a daemon. Where BuildKit's script starts buildkitd with $BUILDKITD_FLAGS, waits for its socket and runs
# buildctl, this one turns $BUILDKITD_FLAGS into our global flags and execs the CLI once: the build runs in
# that one Node process.
#
# Usage: buildctl-daemonless.sh build --frontend dockerfile.v0 --local context=. --local dockerfile=. --output ...
#
# BUILDKITD_FLAGS (split on whitespace, like BuildKit's script) may hold:
#   --root DIR | --root=DIR                       persistent state dir (default: ephemeral)
#   --config FILE | --config=FILE                 buildkitd.toml
#   --debug
#   --oci-worker-no-process-sandbox
#   --oci-worker-snapshotter NAME                 auto, overlayfs, native
#   --oci-worker-net MODE                         auto, host, slirp4netns (rootless: the whole build under
#                                                 rootlesskit --net=slirp4netns --disable-host-loopback)
#   --oci-worker-gc-keepstorage SIZE              GC budget for the --root state dir at the end of a build
#                                                 (MB as buildkitd reads a bare number, or with a unit: 10GB)
#   --oci-worker-gc[=true|false]                  --oci-worker-gc=false turns that GC off
#   --oci-worker[=true], --containerd-worker=false  accepted, nothing to do: the OCI worker is the only one
# Anything else is an error. BUILDCTL_NODE overrides the node binary (default: node from PATH).
#
# POSIX sh (works with BusyBox sh and dash).
set -eu

: "${BUILDKITD_FLAGS=}"
: "${BUILDCTL_NODE=node}"

die() {
  echo "buildctl-daemonless.sh: $*" >&2
  exit 1
}

# The repo is the parent of the directory holding this script, found through any symlinks (the script may be
# linked into PATH as buildctl-daemonless.sh).
self=$0
while [ -L "$self" ]; do
  link=$(readlink "$self")
  case $link in
    /*) self=$link ;;
    *) self=$(dirname "$self")/$link ;;
  esac
done
repo=$(cd "$(dirname "$self")/.." && pwd -P)
# The bundled CLI (one module: fast start-up); the unbundled tsc output works too.
main=$repo/dist/buildctl.mjs
[ -f "$main" ] || main=$repo/dist/src/cli/main.js
[ -f "$main" ] || die "$main not found: build the project first (npm run build in $repo)"

# BUILDKITD_FLAGS -> our global flags. Words have no spaces (they come from unquoted splitting), so the
# list is kept as one space-separated string and split again, with globbing off, at the exec below.
set -f
flags=
want=
for word in $BUILDKITD_FLAGS; do
  if [ -n "$want" ]; then
    case $word in
      -*) die "$want in BUILDKITD_FLAGS needs a value, got $word" ;;
    esac
    flags="$flags $want=$word"
    want=
    continue
  fi
  case $word in
    --root | --config | --oci-worker-snapshotter | --oci-worker-net | --oci-worker-gc-keepstorage)
      want=$word ;;
    --root=?* | --config=?* | --oci-worker-snapshotter=?* | --oci-worker-net=?* | --oci-worker-gc-keepstorage=?*)
      flags="$flags $word" ;;
    --oci-worker-gc | --oci-worker-gc=true | --oci-worker-gc=false)
      flags="$flags $word" ;;
    --debug | --oci-worker-no-process-sandbox | --debug=true | --oci-worker-no-process-sandbox=true)
      flags="$flags ${word%=true}" ;;
    --debug=false | --oci-worker-no-process-sandbox=false | --oci-worker | --oci-worker=true | --containerd-worker=false)
      ;;
    --oci-worker=false | --containerd-worker | --containerd-worker=true)
      die "BUILDKITD_FLAGS: $word is not supported: the OCI (runc) worker is the only worker" ;;
    *)
      die "BUILDKITD_FLAGS: unsupported flag $word (supported: --root, --config, --debug, --oci-worker-no-process-sandbox, --oci-worker-snapshotter, --oci-worker-net, --oci-worker-gc, --oci-worker-gc-keepstorage)" ;;
  esac
done
[ -z "$want" ] || die "$want in BUILDKITD_FLAGS needs a value"

# ---- rootless ----
# Without full privileges (uid 0 with CAP_SYS_ADMIN and the identity uid_map) a build runs inside rootlesskit, as
# BuildKit's script runs `rootlesskit buildkitd`: one user namespace with the user's /etc/subuid + /etc/subgid ranges,
# uid 0 inside, for the whole build (unpack, mounts, runc, diff, export). rootlesskit is exec'd, so signals reach it
# (it forwards them) and its exit status is the build's. Its state dir goes in the run dir we make here and pass on
# (BUILDCTL_RUN_DIR); the CLI removes the run dir when it is done.
# rootlesskit's own stderr goes through a filter: its "child exited" lines only repeat our exit code and are dropped;
# anything else it says is shown as rootlesskit's, with a pointer to `doctor`. The CLI itself writes to the real
# stderr, passed as fd 9 (BUILDCTL_STDERR_FD), so a terminal stays a terminal for the progress display.

# Full privileges: what a root build needs (mounts, runc, any file owner).
privileged() {
  [ "$(id -u)" = 0 ] || return 1
  capeff=$(sed -n 's/^CapEff:[[:space:]]*//p' /proc/self/status)
  [ -n "$capeff" ] || return 1
  [ $(( (0x$capeff >> 21) & 1 )) -eq 1 ] || return 1 # CAP_SYS_ADMIN
  read -r m0 m1 m2 </proc/self/uid_map || return 1
  [ "$m0 $m1 $m2" = "0 0 4294967295" ]
}

# The command word (build, doctor, ...) and --oci-worker-net, from our flags and the arguments. Global flags may come
# before the command; those that take a value may have it as the next word.
cmd=
net=
skip=
# shellcheck disable=SC2086 # $flags is split on purpose
for a in $flags "$@"; do
  if [ -n "$skip" ]; then
    [ "$skip" = net ] && net=$a
    skip=
    continue
  fi
  case $a in
    --oci-worker-net) skip=net ;;
    --oci-worker-net=*) net=${a#*=} ;;
    --root | --config | --oci-worker-snapshotter | --oci-worker-gc-keepstorage) skip=value ;;
    -*) ;;
    *) [ -n "$cmd" ] || cmd=$a ;;
  esac
  # Only words before the command can be global flags with separate values; after it, stop at the command.
  [ -z "$cmd" ] || break
done
# --oci-worker-net may also come after the command (it is a global flag).
for a in "$@"; do
  case $a in --oci-worker-net=*) net=${a#*=} ;; esac
done

# Filter rootlesskit's stderr until it closes, then remove the run dir if the CLI did not get to (rootlesskit
# failed to start).
rootlesskit_stderr() { # RUNDIR PROG
  shown=
  while IFS= read -r line || [ -n "$line" ]; do
    case $line in
      "[rootlesskit:"*"] error: child exited"* | "[rootlesskit:child ] error: command "*" exited: "*) ;;
      "[rootlesskit:child ] error: parsing message from fd 3: EOF"*) ;; # the child's echo of a parent failure
      "[rootlesskit:"*)
        printf 'rootlesskit: %s\n' "${line#*] }"
        shown=1 ;;
      *) printf '%s\n' "$line" ;;
    esac
  done
  [ -z "$shown" ] || printf 'hint: run "%s doctor" to check this machine for rootless builds\n' "$2"
  rm -f "$1/rootlesskit.stderr"
  rmdir "$1" 2>/dev/null || true
}

case $cmd in
  build | b | du | prune) needs_privileges=yes ;; # du/prune: a rootless state dir holds subuid-owned files
  *) needs_privileges=no ;;
esac
if [ "$needs_privileges" = yes ] && [ -z "${ROOTLESSKIT_STATE_DIR-}" ] && ! privileged; then
  prog=$(basename "$0")
  command -v rootlesskit >/dev/null 2>&1 ||
    die "not running as root, and rootlesskit is not installed (apt-get install rootlesskit uidmap); run \"$prog doctor\""
  rk_net="--net=host"
  case $net in
    slirp4netns) rk_net="--net=slirp4netns --disable-host-loopback" ;;
  esac
  base=${XDG_RUNTIME_DIR:-${TMPDIR:-/tmp}}
  rundir=$(mktemp -d "$base/buildctl-XXXXXX") || die "cannot make a temp dir in $base"
  mkfifo "$rundir/rootlesskit.stderr" || die "cannot make a fifo in $rundir"
  rootlesskit_stderr "$rundir" "$prog" <"$rundir/rootlesskit.stderr" >&2 &
  command -v "$BUILDCTL_NODE" >/dev/null 2>&1 || die "node not found ($BUILDCTL_NODE); set BUILDCTL_NODE to a Node 20+ binary"
  export BUILDCTL_RUN_DIR="$rundir" BUILDCTL_STDERR_FD=9
  # shellcheck disable=SC2086 # $rk_net and $flags are split on purpose
  exec rootlesskit $rk_net --copy-up=/etc --state-dir="$rundir/rootlesskit" "$BUILDCTL_NODE" "$main" $flags "$@" 9>&2 2>"$rundir/rootlesskit.stderr"
fi
# ---- end rootless ----

command -v "$BUILDCTL_NODE" >/dev/null 2>&1 || die "node not found ($BUILDCTL_NODE); set BUILDCTL_NODE to a Node 20+ binary"
# shellcheck disable=SC2086 # $flags is split on purpose (see above)
exec "$BUILDCTL_NODE" "$main" $flags "$@"
