/** /dev/net/tun and slirp4netns, asked for with --oci-worker-net=slirp4netns; the tun node is swapped in a private mount namespace. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { line, runDoctor, tempDir, testUser } from './helpers.js';

async function withTun(mode: string, fn: (prelude: string) => Promise<void>): Promise<void> {
  const dir = await tempDir('tun-');
  try {
    await fn(`mknod ${dir}/tun c 10 200; chmod ${mode} ${dir}/tun; mount --bind ${dir}/tun /dev/net/tun`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('/dev/net/tun mode 0600 with slirp4netns: FAIL with chmod 0666, rootlesskit cannot set up the tap', () => withTun('0600', async (prelude) => {
  const r = await runDoctor({ user: testUser('rootless'), wrap: ['unshare', '--mount'], prelude, args: ['--oci-worker-net=slirp4netns'] });
  assert.equal(r.code, 1, r.stdout);
  assert.deepEqual(line(r, 'tun'), { status: 'FAIL', detail: `/dev/net/tun cannot be opened read-write by uid ${testUser('rootless').uid} (EACCES)`, fix: 'sudo chmod 0666 /dev/net/tun' });
  assert.equal(line(r, 'slirp4netns').status, 'PASS');
  const start = line(r, 'rootlesskit-start');
  assert.equal(start.status, 'FAIL');
  assert.match(start.detail, /^rootlesskit --net=slirp4netns --disable-host-loopback --copy-up=\/etc failed after \d+ ms: failed to setup network: setting up tap tap0: /);
  assert.equal(start.fix, 'sudo chmod 0666 /dev/net/tun');
}));

test('/dev/net/tun mode 0666 with slirp4netns: every line PASS, exit 0', () => withTun('0666', async (prelude) => {
  const r = await runDoctor({ user: testUser('rootless'), wrap: ['unshare', '--mount'], prelude, args: ['--oci-worker-net=slirp4netns'] });
  assert.equal(r.code, 0, r.stdout);
  assert.deepEqual(r.lines.filter((l) => !l.startsWith('PASS  ')), []);
  assert.deepEqual(line(r, 'tun'), { status: 'PASS', detail: '/dev/net/tun opens read-write' });
  assert.match(line(r, 'slirp4netns').detail, /^slirp4netns version \S+ \(\/usr\/bin\/slirp4netns\); nsenter and ip on PATH$/);
  assert.match(line(r, 'rootlesskit-start').detail, /--net=slirp4netns --disable-host-loopback --copy-up=\/etc/);
}));

test('tun and slirp4netns are not checked without --oci-worker-net=slirp4netns', async () => {
  const r = await runDoctor({ user: testUser('rootless') });
  assert.equal(r.lines.some((l) => /^(PASS|FAIL) {2}(tun|slirp4netns):/.test(l)), false, r.stdout);
});
