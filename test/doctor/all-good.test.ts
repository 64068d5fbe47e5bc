/** The machine as it is: every check passes as root and as bkrootless (full 65536 range); the output is stable. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { line, runDoctor, testUser } from './helpers.js';

const NAMES = ['runc', 'rootlesskit', 'newuidmap', 'newgidmap', 'subuid', 'subgid', 'max_user_namespaces', 'rootlesskit-start', 'state-dir', 'overlayfs', 'proc-mount'];
const names = (lines: string[]): string[] => lines.map((l) => /^(?:PASS|FAIL) {2}([a-z_-]+): /.exec(l)?.[1] ?? `?${l}`);

test('as bkrootless: every line PASS, exit 0, plain text when not a TTY', async () => {
  const u = testUser('rootless');
  const r = await runDoctor({ user: u });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.deepEqual(r.lines.filter((l) => !l.startsWith('PASS  ')), []);
  assert.deepEqual(names(r.lines), NAMES);
  assert.equal(r.stdout.includes('\x1b'), false);
  assert.equal(line(r, 'subuid').detail, `${u.name} (uid ${u.uid}): 65536 ids (${/\((\d+-\d+)\)$/.exec(line(r, 'subuid').detail)?.[1]})`);
  assert.match(line(r, 'newuidmap').detail, /^\/usr\/bin\/newuidmap \(setuid root\)$/);
  assert.match(line(r, 'rootlesskit-start').detail, new RegExp(`^started and exited in \\d+ ms \\(--net=host --copy-up=/etc\\); uid map 0->${u.uid}, 1-65536->\\d+-\\d+$`));
  assert.match(line(r, 'overlayfs').detail, /^overlayfs with userxattr in a user namespace works in \/tmp \(\w+\)$/);
  assert.equal(r.stderr, 'doctor: builds can run in the default mode, rootless (the build runs inside rootlesskit)\n');
});

test('as root: every line PASS, the rootless-only checks "not needed as root", exit 0', async () => {
  const r = await runDoctor();
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.deepEqual(r.lines.filter((l) => !l.startsWith('PASS  ')), []);
  assert.deepEqual(names(r.lines), NAMES);
  for (const n of ['rootlesskit', 'newuidmap', 'newgidmap', 'subuid', 'subgid', 'max_user_namespaces', 'rootlesskit-start']) {
    assert.equal(line(r, n).detail, 'not needed as root');
  }
  assert.match(line(r, 'runc').detail, /^runc version \S+ \(\/usr\/sbin\/runc\)$/);
  assert.equal(line(r, 'proc-mount').detail, 'a fresh /proc mounts in a new PID namespace');
  assert.equal(r.stderr, 'doctor: builds can run in the default mode, root (runc as root)\n');
});

test('a bad flag value is a usage error', async () => {
  const r = await runDoctor({ args: ['--oci-worker-net=bridge'] });
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /--oci-worker-net=bridge is not supported \(auto, host, slirp4netns\)/);
});
