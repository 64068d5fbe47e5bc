#!/usr/bin/env bash
# Makes a Debian bookworm minbase root filesystem in DIR (which must not exist) with mmdebstrap, from the
# Debian mirror the host's apt uses. Includes passwd (useradd/groupadd). Docs, man pages and locales are left
# out to keep it small and fast (about 20 s). No device nodes (the runtime mounts /dev), and no host leftovers:
# /etc/resolv.conf and /etc/hostname are removed like in Docker's official images.
set -euo pipefail
dir=${1:?usage: rootfs-debian.sh DIR}
command -v mmdebstrap >/dev/null || { echo "rootfs-debian: mmdebstrap missing: apt-get install mmdebstrap" >&2; exit 1; }

mirror=http://deb.debian.org/debian
security=http://deb.debian.org/debian-security
mmdebstrap --quiet --variant=minbase --include=passwd \
  --dpkgopt='path-exclude=/usr/share/man/*' \
  --dpkgopt='path-exclude=/usr/share/doc/*' \
  --dpkgopt='path-include=/usr/share/doc/*/copyright' \
  --dpkgopt='path-exclude=/usr/share/info/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' \
  --dpkgopt='path-exclude=/usr/share/lintian/*' \
  --customize-hook='rm -f "$1/etc/resolv.conf" "$1/etc/hostname"' \
  bookworm "$dir" \
  "deb $mirror bookworm main" \
  "deb $mirror bookworm-updates main" \
  "deb $security bookworm-security main"
# In directory mode mmdebstrap leaves the device nodes it made for dpkg; images ship an empty /dev.
find "$dir/dev" -mindepth 1 -delete
