/** BuildKit's COPY rules beyond the basics: several sources without a slash, --chmod on created dirs, --parents, required paths, owners of context files. */
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, chown, lstat } from 'node:fs/promises';
import path from 'node:path';
import { ContextFilter, copy, type CopyAction } from '../../src/fileop/index.js';
import { FileOpError } from '../../src/errors.js';
import { listTree, makeTree, modeOf, readText, removeDir, tempDir } from './tree.js';

let src: string;
let dst: string;
beforeEach(async () => { src = await tempDir(); dst = await tempDir(); });
afterEach(async () => { await removeDir(src); await removeDir(dst); });

function act(from: string, to: string, more: Partial<CopyAction> = {}): CopyAction {
  return { src: from, dest: to, followSymlinks: true, dirCopyContents: true, createDestPath: true, allowWildcard: true, allowEmptyWildcard: true, ...more };
}

test('COPY a b /dest without a slash: each source is written to /dest in turn, the last wins (moby/buildkit#1853)', async () => {
  await makeTree(src, { a: 'A', b: 'B' });
  for (const s of ['/a', '/b']) await copy({ srcRoot: src, destRoot: dst, action: act(s, '/dest') });
  assert.equal(await readText(path.join(dst, 'dest')), 'B');
  // An existing directory takes both.
  await makeTree(dst, { 'dir/x': '' });
  for (const s of ['/a', '/b']) await copy({ srcRoot: src, destRoot: dst, action: act(s, '/dir') });
  assert.deepEqual(await listTree(path.join(dst, 'dir')), ['a', 'b', 'x']);
});

test('--chmod symbolic on files and dirs; created parents get the mode (octal exactly, symbolic from 0755)', async () => {
  await makeTree(src, { 'd/f': 'x', 'd/sub/g': 'y' });
  await copy({ srcRoot: src, destRoot: dst, action: act('/d', '/new/deep/', { modeStr: 'go-rx' }) });
  assert.equal(await modeOf(path.join(dst, 'new')), 0o700);
  assert.equal(await modeOf(path.join(dst, 'new/deep/sub')), 0o700);
  assert.equal(await modeOf(path.join(dst, 'new/deep/f')), 0o600);
  await copy({ srcRoot: src, destRoot: dst, action: act('/d/f', '/oct/x/f', { mode: 0o777 }) });
  assert.equal(await modeOf(path.join(dst, 'oct/x')), 0o777); // no umask, like BuildKit's cleared umask
  assert.equal(await modeOf(path.join(dst, 'oct/x/f')), 0o777);
  await assert.rejects(copy({ srcRoot: src, destRoot: dst, action: act('/d', '/bad', { modeStr: 'u+q' }) }), FileOpError);
});

test('--parents: include pattern below the pivot keeps the parent dirs; required paths must exist', async () => {
  await makeTree(src, { 'a/b/c.txt': 'c', 'a/b/d.md': 'd', 'x/b/e.txt': 'e' });
  // COPY --parents a/b/c.txt /out/  -> src "/", include "a/b/c.txt"
  await copy({ srcRoot: src, destRoot: dst, action: act('/', '/out/', { includePatterns: ['a/b/c.txt'], requiredPaths: ['/a/b/c.txt'] }) });
  assert.deepEqual(await listTree(path.join(dst, 'out')), ['a/', 'a/b/', 'a/b/c.txt']);
  // COPY --parents ./a/./b/*.txt /p/  -> src "/a", include "b/*.txt"
  await copy({ srcRoot: src, destRoot: dst, action: act('/a', '/p/', { includePatterns: ['b/*.txt'] }) });
  assert.deepEqual(await listTree(path.join(dst, 'p')), ['b/', 'b/c.txt']);
  // COPY --parents */b/*.txt /w/
  await copy({ srcRoot: src, destRoot: dst, action: act('/', '/w/', { includePatterns: ['*/b/*.txt'] }) });
  assert.deepEqual(await listTree(path.join(dst, 'w')), ['a/', 'a/b/', 'a/b/c.txt', 'x/', 'x/b/', 'x/b/e.txt']);
  await assert.rejects(copy({ srcRoot: src, destRoot: dst, action: act('/', '/m/', { includePatterns: ['a/nope'], requiredPaths: ['/a/nope'] }) }),
    (e: unknown) => e instanceof FileOpError && /"\/a\/nope": not found/.test(e.message));
});

test('a source hidden by .dockerignore is "not found" naming the ignore file line that hid it', async () => {
  await makeTree(src, { 'secret.txt': 's', 'keep/a': 'a' });
  const filter = new ContextFilter(src, ['*.md', 'secret.txt'], { file: '.dockerignore', lines: [2, 5] });
  await assert.rejects(copy({ srcRoot: src, destRoot: dst, action: act('/secret.txt', '/x'), contextFilter: filter }),
    (e: unknown) => e instanceof FileOpError && e.message === '"/secret.txt": not found: excluded by .dockerignore (.dockerignore:5: secret.txt)');
  const noLines = new ContextFilter(src, ['secret*']);
  await assert.rejects(copy({ srcRoot: src, destRoot: dst, action: act('/secret.txt', '/x'), contextFilter: noLines }), /excluded by \.dockerignore \(pattern "secret\*"\)/);
});

test('defaultOwner (a --local source) makes copied entries root-owned unless --chown says otherwise', async () => {
  await makeTree(src, { 'd/f': 'x' });
  await chown(path.join(src, 'd/f'), 1234, 1234);
  await copy({ srcRoot: src, destRoot: dst, action: act('/d', '/o'), defaultOwner: { uid: 0, gid: 0 } });
  assert.equal((await lstat(path.join(dst, 'o/f'))).uid, 0);
  await copy({ srcRoot: src, destRoot: dst, action: act('/d', '/c', { chown: { uid: 7, gid: 8 } }), defaultOwner: { uid: 0, gid: 0 } });
  assert.deepEqual([(await lstat(path.join(dst, 'c/f'))).uid, (await lstat(path.join(dst, 'c/f'))).gid], [7, 8]);
});

test('owners are right whether or not the copy created the directory: a setgid target dir does not hand down its group', async () => {
  await makeTree(src, { 'd/f': 'x', 'd/sub/g': 'y' });
  await chown(path.join(src, 'd/sub/g'), 0, 0);
  await chown(path.join(src, 'd/sub'), 0, 4321);
  await chmod(path.join(src, 'd/sub'), 0o2755); // setgid source dir: its copy is made by us, its mode set last
  await makeTree(dst, { 'sg/.keep': '' });
  await chown(path.join(dst, 'sg'), 0, 4321);
  await chmod(path.join(dst, 'sg'), 0o2775); // an existing setgid dir: new entries in it would get group 4321
  await copy({ srcRoot: src, destRoot: dst, action: act('/d', '/sg') });
  const owner = async (p: string) => { const s = await lstat(path.join(dst, p)); return [s.uid, s.gid]; };
  assert.deepEqual(await owner('sg/f'), [0, 0]);
  assert.deepEqual(await owner('sg/sub'), [0, 4321]);
  assert.deepEqual(await owner('sg/sub/g'), [0, 0]);
  assert.equal((await lstat(path.join(dst, 'sg/sub'))).mode & 0o7777, 0o2755);
});
