#!/usr/bin/env bash
# usage: build.sh [NAME...]   (default: all)
# Builds (or reuses) the base images the tests use, as OCI image layouts under .cache/test-images/<name>
# (override the directory with TEST_IMAGES_DIR). No internet: everything comes from Debian packages.
#
#   busybox               Debian busybox-static rootfs, one gzip layer, OCI media types, linux/amd64, Cmd ["sh"]
#   busybox-v2s2          the same layer and config with Docker schema 2 media types
#   busybox-zstd          the same rootfs as one zstd layer (OCI)
#   busybox-uncompressed  the same rootfs as one uncompressed layer (OCI)
#   debian                mmdebstrap bookworm minbase (+passwd), one gzip layer, Cmd ["bash"]
#   node                  debian + one layer with the host's Node 20 (node, npm, headers) in /usr/local, like
#                         the official node:20-bookworm-slim, and the host's CA bundle (NODE_EXTRA_CA_CERTS);
#                         Cmd ["node"] (the build stage of the repo's Dockerfile in tests)
#   multiarch             an image index: linux/amd64 = busybox, linux/arm64/v8 = a small data-only image
#
# Reuse: each image is keyed by a hash of these scripts plus the versions of what it is made from (the
# busybox-static package; for debian the host's apt index files; for node also the host's nodejs package). `<name>.key` beside the layout is written
# last, so a build that died half way is never reused. Prints one timing line per image to stderr.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${TEST_IMAGES_DIR:-$repo/.cache/test-images}
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1700000000}
export LC_ALL=C
PATH_ENV='PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'

mkdir -p "$cache"
work=$(mktemp -d "$cache/.work.XXXXXX")
trap 'rm -rf "$work"' EXIT

scripts_hash=$(cat "$here"/build.sh "$here"/rootfs-*.sh "$here"/oci-layout.mjs | sha256sum | cut -c1-16)
busybox_version=$(dpkg-query -W -f='${Version}' busybox-static 2>/dev/null || echo missing)
apt_lists=$(find /var/lib/apt/lists -maxdepth 1 -name '*debian*InRelease' 2>/dev/null | sort)
if [[ -n $apt_lists ]]; then
  debian_version=$(cat $apt_lists | sha256sum | cut -c1-16)
else
  debian_version=week-$(date -u +%G-%V) # no apt lists to key on: rebuild weekly
fi
node_version=$(dpkg-query -W -f='${Version}' nodejs 2>/dev/null || node --version)
host_ca=$(sha256sum </etc/ssl/certs/ca-certificates.crt 2>/dev/null | cut -c1-8 || echo none)

declare -A key=(
  [busybox]=$scripts_hash-$busybox_version
  [busybox-v2s2]=$scripts_hash-$busybox_version
  [busybox-zstd]=$scripts_hash-$busybox_version
  [busybox-uncompressed]=$scripts_hash-$busybox_version
  [multiarch]=$scripts_hash-$busybox_version
  [debian]=$scripts_hash-$debian_version
  [node]=$scripts_hash-$debian_version-$node_version-$host_ca
)

is_fresh() { [[ -d $cache/$1 && -f $cache/$1.key && $(<"$cache/$1.key") == "${key[$1]}" ]]; }

# tar_rootfs DIR OUT: a canonical layer tar of DIR: entries sorted, numeric owners, no "./" prefix,
# mtimes clamped to SOURCE_DATE_EPOCH, PAX format without atime/ctime.
tar_rootfs() {
  (cd "$1" && find . -mindepth 1 -maxdepth 1 -printf '%P\n' | sort |
    tar --create --file="$2" --files-from=- --sort=name --numeric-owner --format=posix \
      --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
      --mtime="@$SOURCE_DATE_EPOCH" --clamp-mtime)
}

# layout JSON: writes one image layout from an ImageSpec (see oci-layout.mjs).
layout() { node "$here/oci-layout.mjs" image "$1"; }

validate() {
  local dir=$1 oci=$2
  skopeo inspect --raw "oci:$dir" >/dev/null
  skopeo inspect "oci:$dir" >/dev/null
  if [[ $oci == yes ]]; then umoci stat --image "$dir:latest" >/dev/null; fi
}

publish() { # publish NAME: move the finished layout into the cache, key file last
  rm -rf "${cache:?}/$1" "$cache/$1.key"
  mv "$work/$1" "$cache/$1"
  printf '%s' "${key[$1]}" >"$cache/$1.key"
}

timed() { # timed NAME FUNCTION: build NAME unless fresh, print how long it took
  local name=$1 start
  if is_fresh "$name"; then echo "test-images: $name reused" >&2; return; fi
  start=$EPOCHREALTIME
  "$2"
  publish "$name"
  awk -v n="$name" -v s="$start" -v e="$EPOCHREALTIME" 'BEGIN { printf "test-images: %s built in %.1f s\n", n, e - s }' >&2
}

busybox_tar() { # the busybox layer tar, made once per run
  [[ -f $work/busybox.tar ]] && return
  "$here/rootfs-busybox.sh" "$work/busybox-rootfs"
  tar_rootfs "$work/busybox-rootfs" "$work/busybox.tar"
}

busybox_spec() { # busybox_spec NAME COMPRESSION MEDIA_TYPES
  printf '{"layer":"%s","out":"%s","compression":"%s","mediaTypes":"%s","platform":{"os":"linux","architecture":"amd64"},"config":{"Env":["%s"],"Cmd":["sh"]},"createdBy":"scripts/test-images: busybox-static %s"}' \
    "$work/busybox.tar" "$work/$1" "$2" "$3" "$PATH_ENV" "$busybox_version"
}

build_busybox() { busybox_tar; layout "$(busybox_spec busybox gzip oci)"; validate "$work/busybox" yes; }
build_busybox_v2s2() { busybox_tar; layout "$(busybox_spec busybox-v2s2 gzip docker)"; validate "$work/busybox-v2s2" no; }
build_busybox_zstd() { busybox_tar; layout "$(busybox_spec busybox-zstd zstd oci)"; validate "$work/busybox-zstd" yes; }
build_busybox_uncompressed() { busybox_tar; layout "$(busybox_spec busybox-uncompressed none oci)"; validate "$work/busybox-uncompressed" yes; }

build_debian() {
  "$here/rootfs-debian.sh" "$work/debian-rootfs"
  tar_rootfs "$work/debian-rootfs" "$work/debian.tar"
  rm -rf "$work/debian-rootfs"
  layout "$(printf '{"layer":"%s","out":"%s","compression":"gzip","mediaTypes":"oci","platform":{"os":"linux","architecture":"amd64"},"config":{"Env":["%s"],"Cmd":["bash"]},"createdBy":"scripts/test-images: mmdebstrap --variant=minbase bookworm"}' \
    "$work/debian.tar" "$work/debian" "$PATH_ENV")"
  validate "$work/debian" yes
}

build_node() {
  # On top of the cached debian layout, whose layer blob it shares.
  is_fresh debian || timed debian build_debian
  "$here/rootfs-node.sh" "$work/node-rootfs"
  tar_rootfs "$work/node-rootfs" "$work/node.tar"
  rm -rf "$work/node-rootfs"
  local v
  v=$(node --version)
  layout "$(printf '{"base":"%s","layer":"%s","out":"%s","compression":"gzip","mediaTypes":"oci","platform":{"os":"linux","architecture":"amd64"},"config":{"Env":["%s","NODE_VERSION=%s","NODE_EXTRA_CA_CERTS=/usr/local/share/host-ca/ca-certificates.crt"],"Cmd":["node"]},"createdBy":"scripts/test-images: host Node %s in /usr/local"}' \
    "$cache/debian" "$work/node.tar" "$work/node" "$PATH_ENV" "${v#v}" "$v")"
  rm -f "$work/node.tar"
  validate "$work/node" yes
}

build_multiarch() {
  # linux/amd64 is the busybox image; linux/arm64/v8 is data only (nothing here can run arm64 code), so a
  # test that resolves the wrong platform sees a different rootfs and config.
  busybox_tar
  layout "$(busybox_spec busybox-amd64 gzip oci)"
  mkdir -p "$work/arm64-rootfs/etc"
  echo arm64 >"$work/arm64-rootfs/etc/test-image-arch"
  tar_rootfs "$work/arm64-rootfs" "$work/arm64.tar"
  layout "$(printf '{"layer":"%s","out":"%s","compression":"gzip","mediaTypes":"oci","platform":{"os":"linux","architecture":"arm64","variant":"v8"},"config":{"Env":["%s"],"Cmd":["sh"]},"createdBy":"scripts/test-images: arm64 data-only image"}' \
    "$work/arm64.tar" "$work/arm64" "$PATH_ENV")"
  node "$here/oci-layout.mjs" index "{\"out\":\"$work/multiarch\",\"images\":[\"$work/busybox-amd64\",\"$work/arm64\"]}"
  skopeo inspect --raw "oci:$work/multiarch" >/dev/null
  skopeo inspect "oci:$work/multiarch" >/dev/null
}

names=("$@")
[[ ${#names[@]} -gt 0 ]] || names=(busybox busybox-v2s2 busybox-zstd busybox-uncompressed multiarch debian node)
for name in "${names[@]}"; do
  [[ -n ${key[$name]:-} ]] || { echo "test-images: unknown image $name" >&2; exit 2; }
  timed "$name" "build_${name//-/_}"
done
