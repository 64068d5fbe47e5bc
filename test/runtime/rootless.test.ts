/**
 * rootless: true inside a user namespace without host privileges. rootlesskit gives the build the same kind of
 * namespace (uid 0 inside, no CAP_SYS_ADMIN over the host's mounts/sysfs/cgroups); `unshare --map-root-user` is
 * the cheapest stand-in that needs no subuid setup.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

const child = path.join(path.dirname(fileURLToPath(import.meta.url)), 'rootless-child.js');

test('rootless spec runs in a user namespace: network none, host network, no stubs, no container left', async () => {
  const r = await execa('unshare', ['--user', '--map-root-user', '--mount', process.execPath, child]);
  const res = JSON.parse(r.stdout) as {
    none: { exitCode: number; out: string }; host: { exitCode: number; out: string }; upper: string[]; left: string;
  };
  assert.equal(res.none.exitCode, 7);
  assert.equal(res.none.out, 'lo\nbuildkitsandbox\n');
  assert.equal(res.host.exitCode, 0);
  const ifs = res.host.out.trim().split('\n');
  for (const i of Object.keys(os.networkInterfaces())) assert.ok(ifs.includes(i), `${i} missing in ${res.host.out}`);
  assert.ok(Number(ifs.at(-1)) <= 1048576);
  // /etc stays as overlay's copy-up of an existing dir; the stubs runc made in it are gone.
  assert.deepEqual(res.upper, ['./etc', './work', './written']);
  assert.equal(res.left, '');
});
