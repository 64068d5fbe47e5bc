/**
 * The GC's settings: --oci-worker-gc-keepstorage and --oci-worker-gc parsed at the edge (one-line FlagError
 * naming the flag), passed through BUILDKITD_FLAGS by scripts/buildctl-daemonless.sh, and combined with
 * buildkitd.toml as buildkitd does (each flag that was given wins over its setting in the file).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDaemonOptions } from '../../src/cli/daemon-flags.js';
import { gcSettings } from '../../src/gc/after-build.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'gc-settings-'));
const SCRIPT = fileURLToPath(new URL('../../../scripts/buildctl-daemonless.sh', import.meta.url));

test('--oci-worker-gc-keepstorage: MB as a bare number, or a unit; a bad value names the flag', () => {
  assert.equal(parseDaemonOptions({ 'oci-worker-gc-keepstorage': '512' }, dir).gcKeepBytes, 512e6);
  assert.equal(parseDaemonOptions({ 'oci-worker-gc-keepstorage': ['1GB', '10GB'] }, dir).gcKeepBytes, 10e9);
  assert.equal(parseDaemonOptions({ 'oci-worker-gc': false }, dir).gc, false);
  assert.equal(parseDaemonOptions({}, dir).gc, undefined);
  assert.throws(() => parseDaemonOptions({ 'oci-worker-gc-keepstorage': '10 gigs' }, dir), {
    name: 'FlagError', message: '--oci-worker-gc-keepstorage: "10 gigs" is not a size (e.g. 512MB, 10GB)',
  });
});

test('gcSettings: flags win over buildkitd.toml, each on its own', () => {
  const conf = path.join(dir, 'buildkitd.toml');
  writeFileSync(conf, '[worker.oci]\ngckeepstorage = 100\n');
  assert.deepEqual(gcSettings({ config: conf }), { keepBytes: 100e6 });
  assert.deepEqual(gcSettings({ config: conf, flagBytes: 5e6 }), { keepBytes: 5e6 });
  assert.deepEqual(gcSettings({ config: conf, flagGc: false }), {});
  assert.deepEqual(gcSettings({ flagBytes: 5e6 }), { keepBytes: 5e6 });
  assert.deepEqual(gcSettings({}), {});
  writeFileSync(conf, '[worker.oci]\ngc = false\ngckeepstorage = "1GB"\n');
  assert.deepEqual(gcSettings({ config: conf, flagBytes: 5e6 }), {}, 'gc = false in the file still holds');
  assert.deepEqual(gcSettings({ config: conf, flagGc: true }), { keepBytes: 1e9 });
});

test('BUILDKITD_FLAGS pass --oci-worker-gc-keepstorage (both forms) and --oci-worker-gc', async () => {
  const fakeNode = path.join(dir, 'fake-node');
  writeFileSync(fakeNode, '#!/bin/sh\nshift; for a in "$@"; do printf "%s\\n" "$a"; done\n');
  chmodSync(fakeNode, 0o755);
  const out = await new Promise<string>((resolve, reject) => {
    execFile('/bin/sh', [SCRIPT, '--version'], {
      env: { ...process.env, BUILDCTL_NODE: fakeNode, BUILDKITD_FLAGS: '--oci-worker-gc-keepstorage 10GB --oci-worker-gc=false --oci-worker-gc-keepstorage=512' },
    }, (e, stdout, stderr) => (e ? reject(new Error(stderr)) : resolve(stdout)));
  });
  assert.deepEqual(out.trimEnd().split('\n'), ['--oci-worker-gc-keepstorage=10GB', '--oci-worker-gc=false', '--oci-worker-gc-keepstorage=512', '--version']);
});
