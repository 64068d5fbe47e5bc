#!/usr/bin/env bash
# The README's first command: on a fresh machine (as root), install what the tool needs, build it, make the
# Debian-based base images (no internet needed: they come from Debian packages), serve them from a local
# registry, and run a real build of examples/hello through scripts/buildctl-daemonless.sh to ./example-out, then
# the same build as an unprivileged user (rootless, through rootlesskit).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
bash scripts/install-deps.sh
npm ci --no-audit --no-fund --loglevel=error
npm run --silent build
bash scripts/test-setup.sh >/dev/null
registry=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(".test-env/env.json","utf8")).registry)')
trap 'bash scripts/test-setup.sh --stop' EXIT
rm -rf example-out
scripts/buildctl-daemonless.sh build --frontend dockerfile.v0 \
  --local context=examples/hello --local dockerfile=examples/hello \
  --opt build-arg:BASE_REGISTRY="$registry" \
  --output type=local,dest=example-out
echo "example: ./example-out holds the image's filesystem; its program says:"
GREETING="hello from a daemonless build" example-out/bin/busybox sh example-out/usr/local/bin/hello

# The same build as an unprivileged user, through rootlesskit (the script starts it). The user is the test
# suite's `bkrootless` (made with a 65536-id subuid/subgid range if missing); its output belongs to it.
bash scripts/test-users.sh >/dev/null
user=bkrootless
out=$(mktemp -d /tmp/example-rootless.XXXXXX)
chmod 755 "$out"
chown "$user:" "$out"
echo "example: the same build as $user (uid $(id -u $user)), rootless:"
setpriv --reuid="$user" --regid="$user" --init-groups env HOME="$(getent passwd $user | cut -d: -f6)" USER="$user" \
  scripts/buildctl-daemonless.sh build --frontend dockerfile.v0 \
  --local context=examples/hello --local dockerfile=examples/hello \
  --opt build-arg:BASE_REGISTRY="$registry" \
  --output type=local,dest="$out/out" --progress quiet
echo "example: $out/out/usr/local/bin/hello is owned by $(stat -c %U "$out/out/usr/local/bin/hello"); it says:"
GREETING="hello from a rootless build" "$out/out/bin/busybox" sh "$out/out/usr/local/bin/hello"
rm -rf "$out"
