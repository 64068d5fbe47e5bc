#!/usr/bin/env bash
# usage: bench/run.sh      (as root; `npm run bench`)
# Runs the benchmarks with their state dirs on a loop-mounted ext4 (RUNTIME-FACTS: the machine's root ext4 has no
# journal and slows down after mass deletions, which skews cold builds), and prints the numbers to copy into
# bench/README.md. Needs the test images and registry: it runs scripts/test-setup.sh and stops it afterwards.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
npm run --silent build
bash scripts/test-setup.sh >/dev/null
img=$(mktemp /tmp/bench-ext4.XXXXXX.img)
mnt=$(mktemp -d /tmp/bench-mnt.XXXXXX)
cleanup() { umount "$mnt" 2>/dev/null || true; rm -rf "$mnt" "$img"; bash scripts/test-setup.sh --stop; }
trap cleanup EXIT
truncate -s 8G "$img"
mkfs.ext4 -q -F "$img"
mount -o loop "$img" "$mnt"
export BENCH_DIR=$mnt TMPDIR=$mnt
echo "== five-stage build (5 stages, 4 independent), end to end through scripts/buildctl-daemonless.sh"
node dist/bench/five-stage.js
echo "== cache (issue 6): 20,000 small files + one 200 MB file, COPY . /src, warm --root: touch one file / edit one file / nothing changed"
node dist/bench/cache-context.js 7
echo "== cache (issue 6): the 5-stage build on a fresh --root with --import-cache type=local of an earlier build, vs cold"
node dist/bench/cache-import.js 5
echo "== one RUN: runContainer vs bare runc run"
node dist/test/runtime/run-overhead.bench.js 20 | tail -4
echo "== unpacking the Debian test image's rootfs layer vs GNU tar"
layer=$(ls -S .cache/test-images/debian/blobs/sha256/* | head -1)
gzip -dc "$layer" > "$mnt/rootfs.tar"
echo "layer: $(du -m "$mnt/rootfs.tar" | cut -f1) MB uncompressed, $(tar -tf "$mnt/rootfs.tar" | wc -l) entries"
mkdir -p "$mnt/unpack"
node dist/test/snapshot/unpack.bench.js "$mnt/rootfs.tar" "$mnt/unpack" 5 | tail -8
echo "== export (issue 5): Debian test image + RUN cp -a /usr /usr2, fresh ephemeral state per run: gzip / zstd OCI tarball, gzip push"
BENCH_KEEP_LAYER=1 node dist/bench/export.js 5 | tee "$mnt/export.out"
echo "== compressing that new layer (uncompressed tar) into sha256, one stream"
layer=$(sed -n 's/^new layer: .*(\(.*\))$/\1/p' "$mnt/export.out")
node dist/test/output/bench-compress.js "$layer" 5
