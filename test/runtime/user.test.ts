import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { resolveUser } from '../../src/runtime/index.js';

let dir: string;
let root: string;
let bare: string;

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'runtime-user-'));
  root = path.join(dir, 'root');
  bare = path.join(dir, 'bare');
  await mkdir(path.join(root, 'etc'), { recursive: true });
  await mkdir(bare);
  await writeFile(path.join(root, 'etc/passwd'), '# comment\nroot:x:0:0::/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n');
  await writeFile(path.join(root, 'etc/group'), 'root:x:0:root\nalice:x:1000:\ndev:x:50:alice,bob\nops:x:60: alice \n');
  // A host file that a symlink in the rootfs points at: it must be read as /etc/passwd *inside* the root.
  await writeFile(path.join(dir, 'passwd'), 'evil:x:7:7::/:/bin/sh\n');
  await mkdir(path.join(bare, 'etc'));
  await symlink('../../passwd', path.join(bare, 'etc/passwd'));
});
after(async () => { await rm(dir, { recursive: true, force: true }); });

test('default user is root without supplementary groups', async () => {
  assert.deepEqual(await resolveUser(root, undefined), { uid: 0, gid: 0, additionalGids: [] });
  assert.deepEqual(await resolveUser(root, ''), { uid: 0, gid: 0, additionalGids: [] });
});

test('names and uids resolve through passwd; supplementary groups only without an explicit group', async () => {
  assert.deepEqual(await resolveUser(root, 'root'), { uid: 0, gid: 0, additionalGids: [0] });
  assert.deepEqual(await resolveUser(root, 'alice'), { uid: 1000, gid: 1000, additionalGids: [50, 60] });
  assert.deepEqual(await resolveUser(root, '1000'), { uid: 1000, gid: 1000, additionalGids: [50, 60] });
  assert.deepEqual(await resolveUser(root, 'alice:dev'), { uid: 1000, gid: 50, additionalGids: [] });
  assert.deepEqual(await resolveUser(root, 'alice:77'), { uid: 1000, gid: 77, additionalGids: [] });
});

test('numeric ids need no entry', async () => {
  assert.deepEqual(await resolveUser(root, '4242'), { uid: 4242, gid: 0, additionalGids: [] });
  assert.deepEqual(await resolveUser(bare, '12:34'), { uid: 12, gid: 34, additionalGids: [] });
  assert.deepEqual(await resolveUser(bare, '12'), { uid: 12, gid: 0, additionalGids: [] });
});

test('unknown names are errors with runc/BuildKit wording', async () => {
  await assert.rejects(resolveUser(root, 'bob'), { message: 'unable to find user bob: no matching entries in passwd file' });
  await assert.rejects(resolveUser(root, 'alice:nope'), { message: 'unable to find group nope: no matching entries in group file' });
});

test('a symlinked /etc/passwd is resolved inside the rootfs, never on the host', async () => {
  await assert.rejects(resolveUser(bare, 'evil'), { message: /unable to find user evil/ });
});
