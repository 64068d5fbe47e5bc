#!/usr/bin/env bash
# Install the Debian packages the tool and its tests need (only the missing ones). apt output goes to a log
# that is shown only when apt fails.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
# runtime: runc rootlesskit uidmap slirp4netns iproute2 attr openssh-client (ssh-agent for --ssh KEYFILE); images and registry: docker-registry
# busybox-static skopeo umoci mmdebstrap pigz zstd; tests: apache2-utils (htpasswd -B) openssl curl git, docker.io
# (dockerd for `docker load` of type=docker tarballs; test-setup.sh starts a private one).
packages=(runc rootlesskit uidmap docker-registry busybox-static skopeo umoci mmdebstrap attr pigz zstd
  slirp4netns iproute2 git ca-certificates apache2-utils openssl curl openssh-client docker.io)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
if [[ ${#missing[@]} -gt 0 ]]; then
  log=$(mktemp /tmp/apt.XXXXXX.log)
  echo "install-deps: installing ${missing[*]}"
  if ! { apt-get update && apt-get install -y --no-install-recommends "${missing[@]}"; } </dev/null >"$log" 2>&1; then
    echo "install-deps: apt failed; its output:" >&2
    cat "$log" >&2
    exit 1
  fi
fi
