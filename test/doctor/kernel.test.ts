/**
 * Kernel-side preconditions broken without touching the host: max_user_namespaces = 0 in a user namespace of
 * our own (the limit is per namespace), and a /proc with a masked path (Docker's bind of /dev/null over
 * /proc/kcore) in a private mount namespace, which locks it for the test user's new user namespaces.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { line, runDoctor, testUser } from './helpers.js';

const NO_SANDBOX_FIX = 'export BUILDKITD_FLAGS="$BUILDKITD_FLAGS --oci-worker-no-process-sandbox"   (or: buildctl --oci-worker-no-process-sandbox build ...)';
/** What Docker masks; /proc/kcore does not exist on every kernel (not on this one), /proc/keys does. */
const MASKED = existsSync('/proc/kcore') ? '/proc/kcore' : '/proc/keys';

test('max_user_namespaces = 0 (in our own user namespace): FAIL with the sysctl fix, also the fix for rootlesskit', async () => {
  const host = readFileSync('/proc/sys/user/max_user_namespaces', 'utf8');
  const r = await runDoctor({
    wrap: ['unshare', '--user', '--map-root-user'],
    prelude: 'echo 0 > /proc/sys/user/max_user_namespaces; [ "$(cat /proc/sys/user/max_user_namespaces)" = 0 ]',
  });
  assert.equal(readFileSync('/proc/sys/user/max_user_namespaces', 'utf8'), host, 'the host value is untouched');
  assert.equal(r.code, 1, r.stdout + r.stderr);
  // uid 0 in a user namespace is not fully privileged: the rootless checks run; uid 0 needs no sudo.
  assert.deepEqual(line(r, 'max_user_namespaces'), {
    status: 'FAIL', detail: '/proc/sys/user/max_user_namespaces is 0: no user namespace can be created', fix: 'sysctl -w user.max_user_namespaces=28633',
  });
  const start = line(r, 'rootlesskit-start');
  assert.equal(start.status, 'FAIL');
  assert.match(start.detail, /no space left on device/);
  assert.equal(start.fix, 'sysctl -w user.max_user_namespaces=28633');
  const proc = line(r, 'proc-mount');
  assert.match(proc.detail, /^cannot create a user namespace to test \/proc: unshare: unshare failed: No space left on device$/);
  assert.equal(proc.fix, 'sysctl -w user.max_user_namespaces=28633');
});

test(`/proc not mountable (${MASKED} masked, as in a container): FAIL pointing to --oci-worker-no-process-sandbox, exit 1`, async () => {
  const r = await runDoctor({ user: testUser('rootless'), wrap: ['unshare', '--mount'], prelude: `mount --bind /dev/null ${MASKED}` });
  assert.equal(r.code, 1, r.stdout);
  assert.deepEqual(line(r, 'proc-mount'), {
    status: 'FAIL',
    detail: 'a fresh /proc cannot be mounted in a new PID namespace of a user namespace (unshare: mount /proc failed: Operation not permitted): RUN needs --oci-worker-no-process-sandbox',
    fix: NO_SANDBOX_FIX,
  });
  assert.equal(r.lines.filter((l) => l.startsWith('FAIL')).length, 1, r.stdout);
});

test('/proc not mountable with --oci-worker-no-process-sandbox: not fatal, exit 0', async () => {
  const r = await runDoctor({
    user: testUser('rootless'), wrap: ['unshare', '--mount'], prelude: `mount --bind /dev/null ${MASKED}`, args: ['--oci-worker-no-process-sandbox'],
  });
  assert.equal(r.code, 0, r.stdout);
  const proc = line(r, 'proc-mount');
  assert.equal(proc.status, 'FAIL');
  assert.match(proc.detail, /\(not fatal: --oci-worker-no-process-sandbox is given\)$/);
  assert.equal(proc.fix, undefined);
  assert.match(r.stderr, /builds can run in the default mode, rootless .*\(with a fallback for: proc-mount\)/);
});
