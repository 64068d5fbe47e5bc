#!/usr/bin/env bash
# usage: scripts/test-users.sh     (run as root by scripts/test-setup.sh; idempotent)
#
# The unprivileged users the tests run the tool as, like BuildKit's oci-rootless worker runs as a plain user:
#   bkrootless  a normal user: home dir, one subuid/subgid range of 65536 ids (what useradd gives by itself)
#   bknarrow    a subuid/subgid range of only 1000 ids (doctor must say the range is too narrow)
#   bknosubid   no subuid/subgid range at all (rootlesskit cannot map anything)
# Also makes the directories above the checkout traversable (o+x) so they can run the tool from it.
# Prints one JSON object: { "rootless": {name,uid,gid,home}, "narrow": {...}, "noSubid": {...} }.
set -euo pipefail

ensure_user() { # NAME SUBID_COUNT
  local name=$1 count=$2
  if ! id -u "$name" >/dev/null 2>&1; then
    useradd --create-home --shell /bin/sh -K SUB_UID_COUNT="$count" -K SUB_GID_COUNT="$count" "$name" >/dev/null
  fi
  # useradd only adds ranges for new users: make sure an existing one has what the tests expect.
  local have
  have=$(awk -F: -v u="$name" '$1 == u { n += $3 } END { print n + 0 }' /etc/subuid)
  if [[ $count -eq 0 && $have -ne 0 ]]; then
    sed -i "/^$name:/d" /etc/subuid /etc/subgid
  elif [[ $count -gt 0 && $have -ne $count ]]; then
    sed -i "/^$name:/d" /etc/subuid /etc/subgid
    local start
    start=$(awk -F: 'BEGIN { m = 100000 } { e = $2 + $3; if (e > m) m = e } END { print m }' /etc/subuid /etc/subgid)
    usermod --add-subuids "$start-$((start + count - 1))" --add-subgids "$start-$((start + count - 1))" "$name"
  fi
}

json_user() { # NAME
  local name=$1
  printf '{"name":"%s","uid":%d,"gid":%d,"home":"%s"}' "$name" "$(id -u "$name")" "$(id -g "$name")" \
    "$(getent passwd "$name" | cut -d: -f6)"
}

# The users run the tool from this checkout: every directory above it must let them through (a clone under
# /root is not reachable otherwise). Only the search bit is added, nothing becomes listable.
ensure_reachable() { # DIR
  local d=$1
  while [[ $d != / ]]; do
    if [[ $(( 8#$(stat -c %a "$d") & 1 )) -eq 0 ]]; then
      chmod o+x "$d"
      echo "test-users: chmod o+x $d (the test users run the tool from $1)" >&2
    fi
    d=$(dirname "$d")
  done
}
ensure_reachable "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

ensure_user bkrootless 65536
ensure_user bknarrow 1000
ensure_user bknosubid 0
printf '{"rootless":%s,"narrow":%s,"noSubid":%s}\n' "$(json_user bkrootless)" "$(json_user bknarrow)" "$(json_user bknosubid)"
