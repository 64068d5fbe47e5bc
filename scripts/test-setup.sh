#!/usr/bin/env bash
# usage: scripts/test-setup.sh          build (or reuse) the test images, start the shared registry, push them
#        scripts/test-setup.sh --stop   stop the shared registry and remove the env file
#
# Writes .test-env/env.json (read by test/helpers/env.ts):
#   { registry: "127.0.0.1:PORT", registryPid, images: { busybox: "127.0.0.1:PORT/test/busybox:latest", ... },
#     layouts: { busybox: "/abs/.cache/test-images/busybox", ... } }
# The registry is Debian's docker-registry on a free loopback port, with its storage and log in .test-env/registry.
# Running this again stops the previous shared registry first. Image keys: busybox debian busyboxV2s2
# busyboxZstd busyboxUncompressed multiarch node. It also makes the unprivileged test users (scripts/test-users.sh)
# and lists them under "users".
# It also starts a private docker daemon (Debian's docker.io) for `docker load` tests: socket
# .test-env/docker/docker.sock, data and exec roots beside it, no iptables, no bridge. It is optional: when dockerd
# is missing or does not start, the socket is absent and those tests check docker tarballs structurally.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
envdir=$repo/.test-env
envfile=$envdir/env.json
images=${TEST_IMAGES_DIR:-$repo/.cache/test-images}
export TEST_IMAGES_DIR=$images

# The registry's pid is in $envdir/registry/pid from the moment it starts, so a setup that failed half way
# is cleaned up too.
stop_registry() {
  local pidfile=$envdir/registry/pid pid
  rm -f "$envfile"
  pid=$(cat "$pidfile" 2>/dev/null || true)
  rm -f "$pidfile"
  # Only a process that is still our registry: the pid may have been reused since.
  if [[ -n $pid && $(cat "/proc/$pid/comm" 2>/dev/null) == docker-registry ]]; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 30); do [[ -d /proc/$pid ]] || break; sleep 0.1; done
    [[ -d /proc/$pid ]] && kill -KILL "$pid" 2>/dev/null
  fi
  rm -rf "$envdir/registry/data"
}

# The docker daemon's pid is in $envdir/docker/pid (dockerd writes it); it stops its own containerd.
stop_dockerd() {
  local dir=$envdir/docker pid
  pid=$(cat "$dir/pid" 2>/dev/null || true)
  if [[ -n $pid && $(cat "/proc/$pid/comm" 2>/dev/null) == dockerd ]]; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 100); do [[ -d /proc/$pid ]] || break; sleep 0.1; done
    [[ -d /proc/$pid ]] && kill -KILL "$pid" 2>/dev/null
  fi
  rm -f "$dir/pid" "$dir/docker.sock"
  rm -rf "$dir/data" 2>/dev/null || true
}

# start_dockerd: best effort, about 1 s; prints why it could not start on stderr.
start_dockerd() {
  local dir=$envdir/docker
  command -v dockerd >/dev/null || { echo "test-setup: dockerd not installed; docker load tests will check tarballs structurally" >&2; return 0; }
  mkdir -p "$dir"
  dockerd --data-root "$dir/data" --exec-root "$dir/exec" --pidfile "$dir/pid" -H "unix://$dir/docker.sock" \
    --iptables=false --ip6tables=false --bridge=none --ip-masq=false --userland-proxy=false \
    >"$dir/dockerd.log" 2>&1 </dev/null &
  local pid=$!
  for _ in $(seq 100); do
    if DOCKER_HOST=unix://$dir/docker.sock docker version >/dev/null 2>&1; then return 0; fi
    [[ -d /proc/$pid ]] || break
    sleep 0.1
  done
  echo "test-setup: dockerd did not start (log: $dir/dockerd.log); docker load tests will check tarballs structurally" >&2
  kill "$pid" 2>/dev/null || true
  rm -f "$dir/docker.sock"
  return 0
}

if [[ ${1:-} == --stop ]]; then stop_registry; stop_dockerd; exit 0; fi

t0=$EPOCHREALTIME
users=$(bash "$repo/scripts/test-users.sh")
bash "$repo/scripts/test-images/build.sh"
t1=$EPOCHREALTIME

stop_registry
stop_dockerd
start_dockerd
rm -rf "$envdir/registry"
mkdir -p "$envdir/registry/data"
log=$envdir/registry/registry.log

free_port() { node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })'; }

# start_registry: sets $host and $pid, or returns 1 if the registry died (e.g. the port was taken meanwhile).
start_registry() {
  local port cfg=$envdir/registry/config.yml
  port=$(free_port)
  host=127.0.0.1:$port
  # JSON is valid YAML, and the registry reads YAML.
  cat >"$cfg" <<EOF
{ "version": "0.1",
  "log": { "level": "error", "accesslog": { "disabled": true } },
  "storage": { "filesystem": { "rootdirectory": "$envdir/registry/data" }, "delete": { "enabled": true } },
  "http": { "addr": "$host", "secret": "test-setup" } }
EOF
  docker-registry serve "$cfg" >"$log" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$envdir/registry/pid"
  for _ in $(seq 100); do
    if curl -fs -o /dev/null "http://$host/v2/"; then return 0; fi
    [[ -d /proc/$pid ]] || return 1
    sleep 0.1
  done
  kill "$pid" 2>/dev/null || true
  return 1
}

started=no
for _ in 1 2 3; do
  if start_registry; then started=yes; break; fi
done
if [[ $started != yes ]]; then
  echo "test-setup: docker-registry did not start; its log:" >&2
  cat "$log" >&2
  exit 1
fi

# name in env.json | layout dir | repository:tag in the registry
pushes=(
  "busybox busybox test/busybox:latest"
  "debian debian test/debian:bookworm"
  "busyboxV2s2 busybox-v2s2 test/busybox-v2s2:latest"
  "busyboxZstd busybox-zstd test/busybox-zstd:latest"
  "busyboxUncompressed busybox-uncompressed test/busybox-uncompressed:latest"
  "multiarch multiarch test/multiarch:latest"
  "node node test/node:20-bookworm-slim"
)
entries=()
for line in "${pushes[@]}"; do
  read -r key dir ref <<<"$line"
  # --preserve-digests: push exactly what the layout holds (no recompression of zstd/uncompressed layers).
  skopeo copy --quiet --all --preserve-digests --dest-tls-verify=false "oci:$images/$dir" "docker://$host/$ref"
  entries+=("$key=$host/$ref=$images/$dir")
done

tmp=$envfile.tmp
node -e '
  const [file, registry, pid, users, ...entries] = process.argv.slice(1);
  const env = { registry, registryPid: Number(pid), images: {}, layouts: {}, users: JSON.parse(users) };
  for (const e of entries) {
    const [key, ref, layout] = e.split("=");
    env.images[key] = ref;
    env.layouts[key] = layout;
  }
  require("fs").writeFileSync(file, JSON.stringify(env, null, 2) + "\n");
' "$tmp" "$host" "$pid" "$users" "${entries[@]}"
mv "$tmp" "$envfile"
awk -v a="$t0" -v b="$t1" -v c="$EPOCHREALTIME" -v h="$host" -v p="$pid" \
  'BEGIN { printf "test-setup: images %.1f s, registry %s (pid %s) + pushes %.1f s\n", b - a, h, p, c - b }' >&2
