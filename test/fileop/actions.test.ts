import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { lstat, symlink, utimes } from 'node:fs/promises';
import path from 'node:path';
import { mkdir, mkfile, rm } from '../../src/fileop/index.js';
import { FileOpError } from '../../src/errors.js';
import { exists, listTree, makeTree, modeOf, readText, removeDir, tempDir } from './tree.js';

let root: string;
beforeEach(async () => { root = await tempDir(); });
afterEach(async () => { await removeDir(root); });

test('mkdir makeParents creates every missing component with mode, owner and timestamp', async () => {
  await mkdir({ root, path: '/a/b/c', mode: 0o750, makeParents: true, chown: { uid: 7, gid: 8 }, timestamp: 1_000_000_000 });
  for (const p of ['a', 'a/b', 'a/b/c']) {
    const st = await lstat(path.join(root, p));
    assert.deepEqual([st.uid, st.gid, st.mode & 0o7777], [7, 8, 0o750], p);
  }
  assert.equal((await lstat(path.join(root, 'a/b/c'))).mtimeMs, 1_000_000_000_000);
});

test('mkdir applies the daemon umask 022 and leaves an existing directory alone', async () => {
  await mkdir({ root, path: '/w', mode: 0o777, makeParents: true });
  assert.equal(await modeOf(path.join(root, 'w')), 0o755);
  await utimes(path.join(root, 'w'), 5, 5);
  await mkdir({ root, path: '/w', mode: 0o700, makeParents: true, chown: { uid: 1, gid: 1 } });
  const st = await lstat(path.join(root, 'w'));
  assert.deepEqual([st.mode & 0o7777, st.uid, st.mtimeMs], [0o755, 0, 5000]);
});

test('mkdir without makeParents needs the parent; an existing entry is success', async () => {
  await assert.rejects(mkdir({ root, path: '/x/y', mode: 0o755, makeParents: false }), FileOpError);
  await mkdir({ root, path: '/x', mode: 0o711, makeParents: false });
  assert.equal(await modeOf(path.join(root, 'x')), 0o711);
  await mkdir({ root, path: '/x', mode: 0o755, makeParents: false });
  assert.equal(await modeOf(path.join(root, 'x')), 0o711);
});

test('mkfile writes data with mode, owner and timestamp, replacing a file or symlink', async () => {
  await mkfile({ root, path: '/f', mode: 0o4640, data: Buffer.from('hello'), chown: { uid: 3, gid: 4 }, timestamp: 42 });
  const st = await lstat(path.join(root, 'f'));
  assert.deepEqual([st.mode & 0o7777, st.uid, st.gid, st.mtimeMs], [0o640, 3, 4, 42_000]); // & 0777 like BuildKit
  assert.equal(await readText(path.join(root, 'f')), 'hello');
  await mkfile({ root, path: '/f', mode: 0o644, data: Buffer.from('again') });
  assert.equal(await readText(path.join(root, 'f')), 'again');
  await makeTree(root, { d: { dir: true } });
  await assert.rejects(mkfile({ root, path: '/d', mode: 0o644, data: Buffer.from('') }), /is a directory/);
  await assert.rejects(mkfile({ root, path: '/missing/f', mode: 0o644, data: Buffer.from('') }), /parent directory not found/);
  assert.deepEqual(await listTree(root), ['d/', 'f']); // no temp files left behind
});

test('mkfile through a symlink writes the resolved target inside root', async () => {
  await makeTree(root, { 'real/x': 'old' });
  await symlink('/real/x', path.join(root, 'link'));
  await mkfile({ root, path: '/link', mode: 0o600, data: Buffer.from('new') });
  assert.ok((await lstat(path.join(root, 'link'))).isSymbolicLink());
  assert.equal(await readText(path.join(root, 'real/x')), 'new');
});

test('rm removes files and trees; missing is an error unless allowNotFound', async () => {
  await makeTree(root, { 'a/b/c': 'c', f: 'f' });
  await rm({ root, path: '/a', allowNotFound: false, allowWildcard: false });
  await rm({ root, path: '/f', allowNotFound: false, allowWildcard: false });
  assert.deepEqual(await listTree(root), []);
  await assert.rejects(rm({ root, path: '/nope', allowNotFound: false, allowWildcard: false }),
    (e: unknown) => e instanceof FileOpError && e.message === '"/nope": not found');
  await rm({ root, path: '/nope', allowNotFound: true, allowWildcard: false });
  await assert.rejects(rm({ root, path: '/', allowNotFound: true, allowWildcard: false }), FileOpError);
});

test('rm of a symlink removes the link, not its target; wildcards expand', async () => {
  await makeTree(root, { 'keep/x': 'x', 'l': { link: 'keep' }, 'tmp/a.log': '', 'tmp/b.log': '', 'tmp/c.txt': '' });
  await rm({ root, path: '/l', allowNotFound: false, allowWildcard: false });
  assert.equal(await exists(path.join(root, 'l')), false);
  assert.equal(await readText(path.join(root, 'keep/x')), 'x');
  await rm({ root, path: '/tmp/*.log', allowNotFound: false, allowWildcard: true });
  assert.deepEqual(await listTree(path.join(root, 'tmp')), ['c.txt']);
  await rm({ root, path: '/tmp/*.none', allowNotFound: false, allowWildcard: true }); // no match: nothing to do
});
