/**
 * probeSnapshotter on real filesystems: overlayfs where an upperdir works (ext4, tmpfs, a user namespace with
 * userxattr), native with a one-line reason where it does not (the state dir on an overlay mount; a userns
 * overlay without userxattr: kernel 6.18 refuses our mount options there (redirect_dir=off), and without those
 * options the mount succeeds and removing a lower dir fails with EIO; either way the probe says native). The probe leaves nothing behind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { probeSnapshotter } from '../../src/snapshot/probe.js';
import { scratch, sh } from './helpers.js';

const child = fileURLToPath(new URL('./probe-child.js', import.meta.url));

test('probe: ext4 -> overlayfs, and the probe dir is removed', async (t) => {
  const dir = await scratch(t);
  assert.equal(sh(`stat -f -c %T '${dir}'`).trim(), 'ext2/ext3');
  const started = Date.now();
  assert.deepEqual(await probeSnapshotter({ dir, rootless: false }), { name: 'overlayfs' });
  assert.ok(Date.now() - started < 2000, 'a few spawns, not more');
  assert.deepEqual(await readdir(dir), []);
});

test('probe: tmpfs -> overlayfs', async (t) => {
  const dir = await scratch(t);
  // Mounted below the scratch dir, whose cleanup unmounts it.
  const fs = path.join(dir, 'fs');
  await mkdir(fs);
  sh(`mount -t tmpfs tmpfs '${fs}'`);
  assert.equal(sh(`stat -f -c %T '${fs}'`).trim(), 'tmpfs');
  assert.deepEqual(await probeSnapshotter({ dir: path.join(fs, 'tmp'), rootless: false }), { name: 'overlayfs' });
  assert.deepEqual(await readdir(path.join(fs, 'tmp')), []);
});

test('probe: a state dir on overlayfs -> native, with the reason', async (t) => {
  const dir = await scratch(t);
  for (const d of ['lower', 'upper', 'work', 'merged']) await mkdir(path.join(dir, d));
  sh(`mount -t overlay overlay -o lowerdir=lower,upperdir=upper,workdir=work merged`, dir);
  const state = path.join(dir, 'merged/state/tmp');
  const r = await probeSnapshotter({ dir: state, rootless: false });
  assert.equal(r.name, 'native');
  assert.equal(r.reason, 'the state dir is on overlayfs (an overlay upperdir cannot be)');
  assert.deepEqual(await readdir(state), [], 'the probe cleaned up after the failed mount');
});

test('probe in a user namespace: userxattr -> overlayfs; without it -> native', () => {
  const out = execFileSync('unshare', ['--user', '--map-root-user', '--mount', process.execPath, child], { encoding: 'utf8' });
  const r = JSON.parse(out) as { withUserxattr: { name: string; reason?: string }; without: { name: string; reason?: string }; left: string[] };
  assert.deepEqual(r.withUserxattr, { name: 'overlayfs' });
  assert.equal(r.without.name, 'native');
  assert.match(r.without.reason ?? '', /permission denied|EIO|input\/output error/i);
  assert.deepEqual(r.left, []);
});
