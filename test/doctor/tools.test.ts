/** Tools broken on purpose through PATH: runc and rootlesskit missing, newuidmap without its setuid bit. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { USER_PATH, line, nonSetuidCopy, pathWithout, runDoctor, testUser } from './helpers.js';

test('runc not on PATH (it is in /usr/sbin here): FAIL with the PATH fix, exit 1', async () => {
  const p = await pathWithout(['runc']);
  try {
    const r = await runDoctor({ path: p.path });
    assert.equal(r.code, 1, r.stdout);
    assert.deepEqual(line(r, 'runc'), { status: 'FAIL', detail: 'runc is not on PATH (it is in /usr/sbin)', fix: 'export PATH="$PATH:/usr/sbin"' });
    assert.match(r.stderr, /builds cannot run in the default mode, root .*: fix runc/);
  } finally {
    await p.cleanup();
  }
});

test('runc on PATH: its version', async () => {
  const r = await runDoctor({ user: testUser('rootless') });
  const l = line(r, 'runc');
  assert.equal(l.status, 'PASS');
  assert.match(l.detail, /^runc version \d+\.\d+\.\d+\S* \(\/usr\/bin\/runc\)$/);
});

test('rootlesskit not installed, as a user: FAIL with the apt-get fix, and rootlesskit cannot start', async () => {
  const p = await pathWithout(['rootlesskit']);
  try {
    const r = await runDoctor({ user: testUser('rootless'), path: p.path });
    assert.equal(r.code, 1, r.stdout);
    assert.deepEqual(line(r, 'rootlesskit'), { status: 'FAIL', detail: 'rootlesskit is not installed (not found on PATH)', fix: 'sudo apt-get install -y rootlesskit' });
    assert.deepEqual(line(r, 'rootlesskit-start'), { status: 'FAIL', detail: 'rootlesskit is not installed', fix: 'sudo apt-get install -y rootlesskit' });
    assert.equal(line(r, 'runc').status, 'PASS');
  } finally {
    await p.cleanup();
  }
});

test('rootlesskit not installed does not matter as root', async () => {
  const p = await pathWithout(['rootlesskit']);
  try {
    const r = await runDoctor({ path: p.path });
    assert.equal(r.code, 0, r.stdout);
    assert.deepEqual(line(r, 'rootlesskit'), { status: 'PASS', detail: 'not needed as root' });
  } finally {
    await p.cleanup();
  }
});

test('newuidmap without setuid ahead of /usr/bin: FAIL with chmod u+s, rootlesskit fails for that reason', async () => {
  const c = await nonSetuidCopy('newuidmap');
  try {
    const r = await runDoctor({ user: testUser('rootless'), path: `${c.dir}:${USER_PATH}` });
    assert.equal(r.code, 1, r.stdout);
    const l = line(r, 'newuidmap');
    assert.equal(l.status, 'FAIL');
    assert.equal(l.detail, `${c.file} is not setuid root (mode 0755, owner root, no cap_setuid file capability): it cannot write the id maps`);
    assert.equal(l.fix, `sudo chmod u+s ${c.file}`);
    assert.deepEqual(line(r, 'newgidmap'), { status: 'PASS', detail: '/usr/bin/newgidmap (setuid root)' });
    const start = line(r, 'rootlesskit-start');
    assert.equal(start.status, 'FAIL');
    assert.match(start.detail, /newuidmap: write to uid_map failed: Operation not permitted/);
    assert.equal(start.fix, `sudo chmod u+s ${c.file}`);
  } finally {
    await c.cleanup();
  }
});

test('newuidmap with the cap_setuid file capability instead of setuid: PASS, and rootlesskit starts', async () => {
  const c = await nonSetuidCopy('newuidmap');
  try {
    execFileSync('setcap', ['cap_setuid+ep', c.file]);
    const r = await runDoctor({ user: testUser('rootless'), path: `${c.dir}:${USER_PATH}` });
    assert.deepEqual(line(r, 'newuidmap'), { status: 'PASS', detail: `${c.file} (file capability cap_setuid)` });
    assert.equal(line(r, 'rootlesskit-start').status, 'PASS', r.stdout);
    assert.equal(r.code, 0, r.stdout);
  } finally {
    await c.cleanup();
  }
});
