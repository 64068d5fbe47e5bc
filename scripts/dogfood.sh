#!/usr/bin/env bash
# usage: scripts/dogfood.sh [--out DIR] [--only root|rootless] [--type oci|docker] [--progress MODE]
#
# Builds the tool's own image (the repo's Dockerfile) with the tool itself, into image tarballs (--type: OCI
# archives, the default, or Docker archives that any `docker load` reads):
#   DIR/buildctl-daemonless.tar           IMAGE:latest    root variant      (like moby/buildkit:latest)
#   DIR/buildctl-daemonless-rootless.tar  IMAGE:rootless  rootless variant  (like moby/buildkit:rootless)
# and prints their paths on stdout, one per line (build progress goes to stderr). DIR defaults to ./dogfood-out.
#
# Environment:
#   NODE_IMAGE     build stage base (default node:20-bookworm-slim): Node >= 20.19 on Debian 12 with its headers
#   DEBIAN_IMAGE   runtime base (default debian:bookworm-slim)
#   IMAGE          image name written into the tarballs (default buildctl-daemonless)
#   DOGFOOD_ROOT   the state dir both builds share, kept as a cache between runs (default .cache/dogfood);
#                  ignored when BUILDKITD_FLAGS already has --root
#   BUILDKITD_FLAGS  passed on to scripts/buildctl-daemonless.sh
# The builds need the network from RUN steps: apt (Debian's mirror) and npm ci (registry.npmjs.org).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=$PWD/dogfood-out
only=
type=oci
progress=auto
while [[ $# -gt 0 ]]; do
  case $1 in
    --out) out=${2:?--out needs a directory}; shift 2 ;;
    --out=*) out=${1#--out=}; shift ;;
    --only) only=${2:?--only needs root or rootless}; shift 2 ;;
    --only=*) only=${1#--only=}; shift ;;
    --progress) progress=${2:?--progress needs a mode}; shift 2 ;;
    --progress=*) progress=${1#--progress=}; shift ;;
    --type) type=${2:?--type needs oci or docker}; shift 2 ;;
    --type=*) type=${1#--type=}; shift ;;
    -h | --help) sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "dogfood: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
case $only in '' | root | rootless) ;; *) echo "dogfood: --only must be root or rootless, not $only" >&2; exit 2 ;; esac
case $type in oci | docker) ;; *) echo "dogfood: --type must be oci or docker, not $type" >&2; exit 2 ;; esac

node_image=${NODE_IMAGE:-node:20-bookworm-slim}
debian_image=${DEBIAN_IMAGE:-debian:bookworm-slim}
image=${IMAGE:-buildctl-daemonless}
flags=${BUILDKITD_FLAGS:-}
case " $flags " in
  *' --root '* | *' --root='*) ;;
  *) flags="$flags --root ${DOGFOOD_ROOT:-$repo/.cache/dogfood}" ;;
esac
mkdir -p "$out"
out=$(cd "$out" && pwd)

build() { # build VARIANT TARGET_OPTS... : one image into $out, its path on stdout
  local variant=$1 tar tag start
  shift
  if [[ $variant == root ]]; then tar=$out/buildctl-daemonless.tar tag=latest; else tar=$out/buildctl-daemonless-$variant.tar tag=$variant; fi
  start=$EPOCHREALTIME
  BUILDKITD_FLAGS=$flags "$repo/scripts/buildctl-daemonless.sh" build \
    --frontend dockerfile.v0 --local "context=$repo" --local "dockerfile=$repo" --progress "$progress" \
    --opt "build-arg:NODE_IMAGE=$node_image" --opt "build-arg:DEBIAN_IMAGE=$debian_image" "$@" \
    --output "type=$type,dest=$tar,name=$image:$tag" >&2
  awk -v v="$variant" -v t="$tar" -v n="$image:$tag" -v s="$start" -v e="$EPOCHREALTIME" \
    'BEGIN { printf "dogfood: %s image %s (%s) in %.1f s\n", v, t, n, e - s }' >&2
  echo "$tar"
}

# Both share the build and base stages: the second build takes them from the state dir's cache.
[[ $only == rootless ]] || build root # the Dockerfile's last stage, the default target
[[ $only == root ]] || build rootless --opt target=rootless
