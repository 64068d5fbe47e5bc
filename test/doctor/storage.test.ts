/** The state dir location and the overlay probe: --root on an overlayfs mount (as inside `docker run`) cannot use overlay. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { line, runDoctor, tempDir, testUser, type Doctor, type DoctorRun } from './helpers.js';

/** Run doctor with --root DIR/m/state where DIR/m is an overlayfs mount in a private mount namespace. */
async function onOverlay(run: Omit<DoctorRun, 'prelude' | 'wrap'>): Promise<{ r: Doctor; merged: string }> {
  const dir = await tempDir('ovl-');
  try {
    const prelude = `cd ${dir}; mkdir l u w m; chmod 0777 u; mount -t overlay overlay -o lowerdir=l,upperdir=u,workdir=w m`;
    const r = await runDoctor({ ...run, wrap: ['unshare', '--mount'], prelude, args: [`--root=${dir}/m/state`, ...(run.args ?? [])] });
    return { r, merged: `${dir}/m` };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const NOTE = '(not fatal: the native snapshotter is used, which copies and is slower)';

for (const who of ['root', 'bkrootless'] as const) {
  test(`--root on overlayfs as ${who}: overlay FAIL, not fatal (native snapshotter), exit 0`, async () => {
    const { r, merged } = await onOverlay(who === 'root' ? {} : { user: testUser('rootless') });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.deepEqual(line(r, 'state-dir'), { status: 'PASS', detail: `--root ${merged}/state (created on first build, in ${merged}), on overlay, writable` });
    const o = line(r, 'overlayfs');
    assert.equal(o.status, 'FAIL');
    const how = who === 'root' ? 'overlayfs' : 'overlayfs with userxattr in a user namespace';
    assert.ok(o.detail.startsWith(`${how} fails in ${merged} (overlay): ${merged} is on overlayfs, which cannot hold an upper dir: mount: `), o.detail);
    assert.ok(o.detail.endsWith(NOTE), o.detail);
    assert.match(o.fix ?? '', /--root DIR/);
    assert.equal(r.lines.filter((l) => l.startsWith('FAIL')).length, 1, r.stdout);
  });
}

test('--root on overlayfs with --oci-worker-snapshotter=overlayfs: fatal, exit 1', async () => {
  const { r } = await onOverlay({ args: ['--oci-worker-snapshotter=overlayfs'] });
  assert.equal(r.code, 1, r.stdout);
  assert.match(line(r, 'overlayfs').detail, /\(fatal: --oci-worker-snapshotter=overlayfs asks for it\)$/);
});

test('--oci-worker-snapshotter=native: overlay is not probed', async () => {
  const { r } = await onOverlay({ args: ['--oci-worker-snapshotter=native'] });
  assert.equal(r.code, 0, r.stdout);
  assert.deepEqual(line(r, 'overlayfs'), { status: 'PASS', detail: 'not used (--oci-worker-snapshotter=native)' });
});

test('a --root the user cannot write: state-dir FAIL with the chown fix, exit 1', async () => {
  const dir = await tempDir('ro-');
  try {
    const u = testUser('rootless');
    const r = await runDoctor({ user: u, args: ['--root', `${dir}/state`] });
    assert.equal(r.code, 1, r.stdout);
    assert.deepEqual(line(r, 'state-dir'), {
      status: 'FAIL', detail: `--root ${dir}/state: cannot create files in ${dir}: EACCES`,
      fix: `sudo mkdir -p ${dir}/state && sudo chown ${u.uid}:${u.gid} ${dir}/state`,
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
