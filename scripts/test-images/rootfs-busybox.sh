#!/usr/bin/env bash
# Makes a minimal busybox root filesystem in DIR (which must not exist) from the host's Debian busybox-static.
# Contract: /bin/busybox plus one symlink per applet (incl. /bin/sh), /etc/passwd and /etc/group with root and
# nobody, /tmp 1777, /root 0700, /etc/hostname. Everything is owned by root; the caller tars it with fixed mtimes.
set -euo pipefail
dir=${1:?usage: rootfs-busybox.sh DIR}
bb=/bin/busybox
[[ -x $bb ]] || { echo "rootfs-busybox: $bb missing: apt-get install busybox-static" >&2; exit 1; }
file -b "$bb" 2>/dev/null | grep -q 'dynamically' && { echo "rootfs-busybox: $bb is not static" >&2; exit 1; }

mkdir "$dir"
cd "$dir"
mkdir -p bin sbin usr/bin usr/sbin etc home var/spool/mail var/www dev proc sys tmp root
chmod 1777 tmp
chmod 0700 root
install -m 0755 "$bb" bin/busybox
# Applets as absolute symlinks to /bin/busybox (the layout of Debian's busybox-static, minus linuxrc).
while read -r applet; do
  [[ $applet == */* && $applet != bin/busybox ]] || continue
  mkdir -p "$(dirname "$applet")"
  ln -sf /bin/busybox "$applet"
done < <("$bb" --list-full)

cat > etc/passwd <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
PASSWD
cat > etc/group <<'GROUP'
root:x:0:
nobody:x:65534:
GROUP
cat > etc/shadow <<'SHADOW'
root:*::0:::::
nobody:*::0:::::
SHADOW
chmod 0640 etc/shadow
echo busybox > etc/hostname
