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
#   --oci-worker-net MODE                         auto, host
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
    --root | --config | --oci-worker-snapshotter | --oci-worker-net)
      want=$word ;;
    --root=?* | --config=?* | --oci-worker-snapshotter=?* | --oci-worker-net=?*)
      flags="$flags $word" ;;
    --debug | --oci-worker-no-process-sandbox | --debug=true | --oci-worker-no-process-sandbox=true)
      flags="$flags ${word%=true}" ;;
    --debug=false | --oci-worker-no-process-sandbox=false | --oci-worker | --oci-worker=true | --containerd-worker=false)
      ;;
    --oci-worker=false | --containerd-worker | --containerd-worker=true)
      die "BUILDKITD_FLAGS: $word is not supported: the OCI (runc) worker is the only worker" ;;
    *)
      die "BUILDKITD_FLAGS: unsupported flag $word (supported: --root, --config, --debug, --oci-worker-no-process-sandbox, --oci-worker-snapshotter, --oci-worker-net)" ;;
  esac
done
[ -z "$want" ] || die "$want in BUILDKITD_FLAGS needs a value"

# ---- rootless (issue 3, not implemented yet) ----
# When not root, BuildKit's script runs buildkitd under rootlesskit. Here the re-exec of the whole CLI through
# rootlesskit (--net=host --copy-up=/etc) goes in this place; until then a non-root build fails with a clear
# error from the build itself.
# ---- end rootless ----

command -v "$BUILDCTL_NODE" >/dev/null 2>&1 || die "node not found ($BUILDCTL_NODE); set BUILDCTL_NODE to a Node 20+ binary"
# shellcheck disable=SC2086 # $flags is split on purpose (see above)
exec "$BUILDCTL_NODE" "$main" $flags "$@"
