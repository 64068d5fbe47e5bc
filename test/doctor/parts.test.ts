/** The pure parts of the checks, on inputs this machine does not have (old getcap output, a uid without a name, ...). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { checkSubIds, checkUnprivilegedUsernsClone, doctorContext, formatCheck } from '../../src/doctor/index.js';
import { getcapGrants, mountOf } from '../../src/doctor/idmap-tools.js';
import { causeOf, describeMap, rootlesskitError } from '../../src/doctor/rootlesskit-start.js';
import { entriesFor, freeRange, parseSubIds } from '../../src/doctor/subids.js';
import type { DoctorContext } from '../../src/doctor/index.js';

const ctxFor = (user: DoctorContext['user']): DoctorContext => ({ ...doctorContext(), user, sudo: 'sudo ' });

async function withFiles(files: Record<string, string>, fn: (dir: string) => Promise<void> | void): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'doctor-parts-'));
  try {
    for (const [n, c] of Object.entries(files)) await writeFile(path.join(dir, n), c);
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('getcap output, new and old formats', () => {
  assert.equal(getcapGrants('/usr/bin/newuidmap cap_setuid=ep\n', 'cap_setuid'), true);
  assert.equal(getcapGrants('/usr/bin/newuidmap = cap_setuid+ep\n', 'cap_setuid'), true);
  assert.equal(getcapGrants('/usr/bin/x cap_setgid,cap_setuid=ep', 'cap_setuid'), true);
  assert.equal(getcapGrants('/usr/bin/x =ep', 'cap_setgid'), true);
  assert.equal(getcapGrants('/usr/bin/newuidmap cap_setuid=p', 'cap_setuid'), false);
  assert.equal(getcapGrants('/usr/bin/newuidmap cap_setgid=ep', 'cap_setuid'), false);
  assert.equal(getcapGrants('', 'cap_setuid'), false);
});

test('subid lines add up by name or uid; the free range starts after every range in use', () => {
  const all = parseSubIds('# comment\nalice:100000:1000\n1234:200000:65536\nbob:300000:65536\nbroken:x:1\nalice:400000:64536\n');
  assert.deepEqual(entriesFor(all, { uid: 1234, name: 'alice' }).map((e) => e.count), [1000, 65536, 64536]);
  assert.deepEqual(entriesFor(all, { uid: 99 }).length, 0);
  assert.deepEqual(freeRange(all), { first: 464536, last: 530071 });
  assert.deepEqual(freeRange([]), { first: 100000, last: 165535 });
});

test('subuid: a uid without a passwd name gets a tee fix; a missing file gets touched first', () => withFiles({ subuid: '', subgid: '5000:100000:65536\n' }, (dir) => {
  const files = { subuid: path.join(dir, 'subuid'), subgid: path.join(dir, 'subgid') };
  const [uid, gid] = checkSubIds(ctxFor({ uid: 5000, gid: 5000 }), files);
  assert.equal(uid!.ok, false);
  assert.equal(uid!.detail, `no range for uid 5000 (no passwd entry) in ${files.subuid}`);
  assert.equal(uid!.fix, `echo "5000:165536:65536" | sudo tee -a ${files.subuid}`);
  assert.deepEqual(gid, { name: 'subgid', ok: true, detail: 'uid 5000 (no passwd entry): 65536 ids (100000-165535)', fatal: false });
  const [u2] = checkSubIds(ctxFor({ uid: 5001, gid: 5001, name: 'carol' }), { ...files, subuid: path.join(dir, 'nope') });
  assert.equal(u2!.detail, `${path.join(dir, 'nope')} does not exist: no ids to map for carol (uid 5001)`);
  assert.equal(u2!.fix, `sudo touch ${path.join(dir, 'nope')} && sudo usermod --add-subuids 165536-231071 --add-subgids 165536-231071 carol`);
}));

test('unprivileged_userns_clone: 0 fails with the sysctl fix, 1 passes, no file prints nothing', () => withFiles({ zero: '0\n', one: '1\n' }, (dir) => {
  const ctx = ctxFor({ uid: 1001, gid: 1001, name: 'x' });
  assert.deepEqual(checkUnprivilegedUsernsClone(ctx, path.join(dir, 'zero')), {
    name: 'unprivileged_userns_clone', ok: false, fatal: true,
    detail: `${path.join(dir, 'zero')} is 0: users other than root cannot create user namespaces`, fix: 'sudo sysctl -w kernel.unprivileged_userns_clone=1',
  });
  assert.equal(checkUnprivilegedUsernsClone(ctx, path.join(dir, 'one'))?.ok, true);
  assert.equal(checkUnprivilegedUsernsClone(ctx, path.join(dir, 'none')), undefined);
}));

test("rootlesskit's error line: its own words, without Go struct dumps, with the tool's output", () => {
  const stderr = [
    'time="2026-11-23T11:50:48Z" level=warning msg="Running RootlessKit as the root user is unsupported."',
    'open: Permission denied',
    '[rootlesskit:parent] error: failed to setup network &{logWriter:0xc00017e9f0 info:{w:{state:0}} mtu:65520}: setting up tap tap0: exit status 1',
    '[rootlesskit:child ] error: parsing message from fd 3: EOF',
  ].join('\n');
  assert.equal(rootlesskitError(stderr), 'failed to setup network: setting up tap tap0: exit status 1 (open: Permission denied)');
  assert.equal(rootlesskitError('[rootlesskit:parent] error: newuidmap 1 failed: newuidmap: write to uid_map failed: Operation not permitted\n: exit status 1\n'),
    'newuidmap 1 failed: newuidmap: write to uid_map failed: Operation not permitted: exit status 1');
  assert.equal(describeMap('         0       1001          1\n         1     100000      65536\n'), '0->1001, 1-65536->100000-165535');
  const prior = [
    { name: 'subuid', ok: false, detail: '', fix: 'usermod', fatal: true },
    { name: 'max_user_namespaces', ok: false, detail: '', fix: 'sysctl', fatal: true },
  ];
  assert.equal(causeOf('fork/exec /proc/self/exe: no space left on device', prior)?.fix, 'sysctl');
  assert.equal(causeOf('something else', prior)?.fix, 'usermod');
});

test('mountOf: the longest mount point holding a file, with its options', () => {
  const info = [
    '22 1 0:21 / / rw,relatime - ext4 /dev/vda rw',
    '30 22 0:30 / /tmp rw,nosuid,nodev - tmpfs tmpfs rw',
    '31 22 0:31 / /tmpx rw - tmpfs tmpfs rw',
    '32 22 0:32 / /with\\040space rw,nosuid - tmpfs tmpfs rw',
  ].join('\n');
  assert.deepEqual(mountOf('/tmp/a/newuidmap', info), { point: '/tmp', options: ['rw', 'nosuid', 'nodev'] });
  assert.deepEqual(mountOf('/tmpx', info)?.point, '/tmpx');
  assert.deepEqual(mountOf('/usr/bin/newuidmap', info)?.point, '/');
  assert.deepEqual(mountOf('/with space/x', info)?.options, ['rw', 'nosuid']);
});

test('output format: two spaces after PASS/FAIL, an indented fix line, color only when asked', () => {
  const f = { name: 'tun', ok: false, detail: 'no', fix: 'sudo chmod 0666 /dev/net/tun', fatal: true };
  assert.equal(formatCheck(f), 'FAIL  tun: no\n  fix: sudo chmod 0666 /dev/net/tun\n');
  assert.equal(formatCheck({ name: 'runc', ok: true, detail: 'v', fatal: false }), 'PASS  runc: v\n');
  assert.equal(formatCheck(f, true), '\x1b[31mFAIL\x1b[0m  tun: no\n  fix: sudo chmod 0666 /dev/net/tun\n');
});

test('fileCapsGrant reads security.capability (vfs_cap_data) without getcap', async () => {
  const { fileCapsGrant } = await import('../../src/doctor/idmap-tools.js');
  // `setcap cap_setuid=ep` as getfattr -e hex shows it (v2: magic 0x02000001, permitted bit 7)
  const setuid = Buffer.from('0100000280000000000000000000000000000000', 'hex');
  assert.equal(fileCapsGrant(setuid, 'cap_setuid'), true);
  assert.equal(fileCapsGrant(setuid, 'cap_setgid'), false);
  // permitted but not effective (cap_setuid=p)
  assert.equal(fileCapsGrant(Buffer.from('0000000280000000000000000000000000000000', 'hex'), 'cap_setuid'), false);
  assert.equal(fileCapsGrant(Buffer.alloc(4), 'cap_setuid'), false);
});
