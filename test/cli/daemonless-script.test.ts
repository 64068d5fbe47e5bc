import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO, SCRIPT } from './paths.js';
import { run } from './run.js';

const dir = mkdtempSync(path.join(tmpdir(), 'daemonless-'));
const fakeNode = path.join(dir, 'fake-node');
writeFileSync(fakeNode, '#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done\n');
chmodSync(fakeNode, 0o755);
// The script execs the bundled CLI (npm run build makes it).
const MAIN = path.join(REPO, 'dist/buildctl.mjs');

function script(flags: string, args: string[], via = SCRIPT) {
  return run('/bin/sh', [via, ...args], { env: { BUILDKITD_FLAGS: flags, BUILDCTL_NODE: fakeNode }, cwd: dir });
}

test('BUILDKITD_FLAGS become global flags before the buildctl arguments, which pass through untouched', async () => {
  const r = await script(
    '--root /var/lib/bk  --oci-worker-no-process-sandbox --config=/etc/bk.toml --debug --oci-worker=true --containerd-worker=false --oci-worker-snapshotter native --oci-worker-net=host',
    ['build', '--local', 'context=a b', '--opt', 'build-arg:X=*'],
  );
  assert.equal(r.stderr, '');
  assert.equal(r.code, 0);
  assert.deepEqual(r.stdout.trimEnd().split('\n'), [
    MAIN, '--root=/var/lib/bk', '--oci-worker-no-process-sandbox', '--config=/etc/bk.toml', '--debug',
    '--oci-worker-snapshotter=native', '--oci-worker-net=host', 'build', '--local', 'context=a b', '--opt', 'build-arg:X=*',
  ]);
});

test('no BUILDKITD_FLAGS: just the CLI and the arguments', async () => {
  const r = await script('', ['build', '--progress=plain']);
  assert.deepEqual(r.stdout.trimEnd().split('\n'), [MAIN, 'build', '--progress=plain']);
});

test('works through symlinks (relative and absolute) into another directory', async () => {
  const bin = mkdtempSync(path.join(tmpdir(), 'daemonless-bin-'));
  symlinkSync(SCRIPT, path.join(bin, 'abs.sh'));
  symlinkSync(path.relative(bin, SCRIPT), path.join(bin, 'rel.sh'));
  symlinkSync(path.join(bin, 'rel.sh'), path.join(bin, 'chain.sh'));
  for (const name of ['abs.sh', 'rel.sh', 'chain.sh']) {
    const r = await script('', ['--version'], path.join(bin, name));
    assert.deepEqual(r.stdout.trimEnd().split('\n'), [MAIN, '--version'], name);
  }
});

test('unknown or unsupported BUILDKITD_FLAGS, and a flag missing its value, are clear errors', async () => {
  const cases: Array<[string, RegExp]> = [
    ['--addr unix:///run/bk.sock', /unsupported flag --addr/],
    ['--oci-worker=false', /only worker/],
    ['--containerd-worker=true', /only worker/],
    ['--root', /--root in BUILDKITD_FLAGS needs a value/],
    ['--root --debug', /--root in BUILDKITD_FLAGS needs a value, got --debug/],
  ];
  for (const [flags, message] of cases) {
    const r = await script(flags, ['build']);
    assert.equal(r.code, 1, flags);
    assert.equal(r.stdout, '', `${flags}: node must not run`);
    assert.match(r.stderr, message, flags);
  }
});

test('a missing node binary is reported', async () => {
  const r = await run('/bin/sh', [SCRIPT, 'build'], { env: { BUILDCTL_NODE: '/nonexistent/node', BUILDKITD_FLAGS: '' } });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /node not found \(\/nonexistent\/node\)/);
});

test('the real CLI through the script: BUILDKITD_FLAGS reach the flag checks', async () => {
  const r = await run('/bin/sh', [SCRIPT, 'build'], { env: { BUILDKITD_FLAGS: '--config /nonexistent.toml', BUILDCTL_NODE: process.execPath } });
  assert.equal(r.code, 1);
  assert.equal(r.stderr, 'error: --config /nonexistent.toml: file does not exist\n');
});
