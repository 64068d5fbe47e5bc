#!/usr/bin/env bash
# usage: scripts/test.sh [PATH_PREFIX...]      (npm test runs this)
#   scripts/test.sh                            everything
#   scripts/test.sh test/runtime test/oci/x    only test files whose source path starts with one of these
#
# 1. npm run build (tsc); fails on type errors unless SKIP_TSC_CHECK=1 (tsc emits anyway; for work in progress)
# 2. the Dockerfile conformance runner over $CONFORMANCE_DIR (default ../shared/conformance), if it is built
# 3. scripts/test-setup.sh: test images + the shared registry (stopped again on exit, whatever happens)
# 4. node --test --test-concurrency=1 over dist/test/**/*.test.js whose test/**/*.test.ts still exists
# Exits non-zero if any step failed; node's test summary is the last thing printed.
set -uo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
failed=0

note() { echo "test.sh: $*" >&2; }

if ! npm run --silent build; then
  if [[ ${SKIP_TSC_CHECK:-} == 1 ]]; then
    note "tsc reported errors; going on because SKIP_TSC_CHECK=1"
  else
    note "tsc failed (set SKIP_TSC_CHECK=1 to run the tests anyway while developing)"
    exit 1
  fi
fi

conformance_runner=dist/src/frontend/dockerfile/conformance/run.js
conformance_dir=${CONFORMANCE_DIR:-$repo/../shared/conformance}
if [[ $# -gt 0 ]]; then
  : # a narrowed run is about the named tests only
elif [[ ! -f $conformance_runner ]]; then
  note "skipping Dockerfile conformance: $conformance_runner is not built yet"
elif [[ ! -d $conformance_dir ]]; then
  note "Dockerfile conformance vectors not found at $conformance_dir (set CONFORMANCE_DIR)"
  failed=1
elif ! node "$conformance_runner" "$conformance_dir"; then
  note "Dockerfile conformance failed"
  failed=1
fi

# The test files: compiled tests whose source still exists (dist/ keeps files of deleted sources).
files=()
while IFS= read -r f; do
  src=${f#dist/}
  src=${src%.js}.ts
  [[ -f $src ]] || continue
  if [[ $# -gt 0 ]]; then
    match=no
    for want in "$@"; do
      want=${want#./}
      want=${want#dist/}
      want=${want%.ts}
      want=${want%.js}
      [[ $src == "$want"* ]] && match=yes
    done
    [[ $match == yes ]] || continue
  fi
  files+=("$f")
done < <(find dist/test -name '*.test.js' 2>/dev/null | LC_ALL=C sort)

if [[ ${#files[@]} -eq 0 ]]; then
  note "no test files match ${*:-dist/test/**/*.test.js}"
  exit 1
fi

# The tests' temp dirs (contexts, outputs, ephemeral state) go to one dir of this run, removed at the end: a
# shared /tmp filling with thousands of leftovers slows every later build's temp-dir scan. Sticky and
# world-writable like /tmp: the rootless tests' user writes there too.
test_tmp=$(mktemp -d /tmp/bk-tests.XXXXXX)
chmod 1777 "$test_tmp"
trap 'bash "$repo/scripts/test-setup.sh" --stop >/dev/null 2>&1; rm -rf --one-file-system "$test_tmp"' EXIT
if ! bash scripts/test-setup.sh; then
  note "test setup failed"
  exit 1
fi

TMPDIR=$test_tmp node --test --test-concurrency=1 "${files[@]}" || failed=1
exit "$failed"
