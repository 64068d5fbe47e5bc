import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, chown, lstat, mkdir, stat, utimes, writeFile, link } from 'node:fs/promises';
import path from 'node:path';
import { copy, type CopyAction } from '../../src/fileop/index.js';
import { FileOpError } from '../../src/errors.js';
import { exists, linkTarget, listTree, makeTree, modeOf, readText, removeDir, tempDir } from './tree.js';

let src: string;
let dst: string;
beforeEach(async () => { src = await tempDir(); dst = await tempDir(); });
afterEach(async () => { await removeDir(src); await removeDir(dst); });

/** Dockerfile COPY defaults, as dockerfile2llb sets them. */
function act(from: string, to: string, more: Partial<CopyAction> = {}): CopyAction {
  return {
    src: from, dest: to, followSymlinks: true, dirCopyContents: true, createDestPath: true,
    allowWildcard: true, allowEmptyWildcard: false, ...more,
  };
}
const run = (a: CopyAction) => copy({ srcRoot: src, destRoot: dst, action: a });

test('COPY dir /dest copies the contents into a new /dest (0755)', async () => {
  await makeTree(src, { 'dir/a': 'A', 'dir/sub/b': 'B' });
  await run(act('dir', '/dest'));
  assert.deepEqual(await listTree(path.join(dst, 'dest')), ['a', 'sub/', 'sub/b']);
  assert.equal(await modeOf(path.join(dst, 'dest')), 0o755);
  assert.equal(await readText(path.join(dst, 'dest/sub/b')), 'B');
});

test('COPY dir /existing merges into it and keeps other entries', async () => {
  await makeTree(src, { 'dir/a': 'new' });
  await makeTree(dst, { 'dest/a': 'old', 'dest/keep': 'k' });
  await run(act('dir', '/dest'));
  assert.equal(await readText(path.join(dst, 'dest/a')), 'new');
  assert.equal(await readText(path.join(dst, 'dest/keep')), 'k');
});

test('COPY file /dest/ puts it at /dest/file, creating /dest', async () => {
  await makeTree(src, { 'f.txt': 'x' });
  await run(act('f.txt', '/dest/'));
  assert.equal(await readText(path.join(dst, 'dest/f.txt')), 'x');
});

test('COPY file /dest (no slash, missing) creates the file /dest', async () => {
  await makeTree(src, { 'f.txt': 'x' });
  await run(act('f.txt', '/dest'));
  assert.ok((await lstat(path.join(dst, 'dest'))).isFile());
  assert.equal(await readText(path.join(dst, 'dest')), 'x');
});

test('COPY file /existingdir puts it inside', async () => {
  await makeTree(src, { 'f.txt': 'x' });
  await makeTree(dst, { existing: { dir: true } });
  await run(act('f.txt', '/existing'));
  assert.equal(await readText(path.join(dst, 'existing/f.txt')), 'x');
});

test('COPY file over an existing file replaces it; a dir in the way is an error', async () => {
  await makeTree(src, { 'f.txt': 'new' });
  await makeTree(dst, { 'out/f.txt': 'old', 'out2/f.txt/inner': 'i' });
  await run(act('f.txt', '/out/'));
  assert.equal(await readText(path.join(dst, 'out/f.txt')), 'new');
  await assert.rejects(run(act('f.txt', '/out2/')), /cannot replace to directory \/out2\/f.txt with file/);
});

test('wildcards: *.txt, dir/*, [a-c], ? (Go filepath.Match)', async () => {
  await makeTree(src, {
    'a.txt': 'a', 'b.txt': 'b', 'c.md': 'c', 'dir/x': 'x', 'dir/sub/y': 'y',
    'a1': '1', 'b1': '1', 'd1': '1', 'ab': '2', 'abc': '3',
  });
  await run(act('*.txt', '/o1/'));
  assert.deepEqual(await listTree(path.join(dst, 'o1')), ['a.txt', 'b.txt']);
  // Each match is copied with dirCopyContents, so dir/sub contributes its contents (Docker's behaviour).
  await run(act('dir/*', '/o2/'));
  assert.deepEqual(await listTree(path.join(dst, 'o2')), ['x', 'y']);
  await run(act('[a-c]1', '/o3/'));
  assert.deepEqual(await listTree(path.join(dst, 'o3')), ['a1', 'b1']);
  await run(act('a?', '/o4/'));
  assert.deepEqual(await listTree(path.join(dst, 'o4')), ['a1', 'ab']);
});

test('a wildcard matching nothing is an error unless allowEmptyWildcard', async () => {
  await makeTree(src, { 'a.txt': 'a' });
  await assert.rejects(run(act('*.nope', '/o/')), (e: unknown) => e instanceof FileOpError && e.message === '"/*.nope": not found');
  await run(act('*.nope', '/o/', { allowEmptyWildcard: true }));
  assert.equal(await exists(path.join(dst, 'o')), false);
});

test('a missing source throws FileOpError "/missing": not found', async () => {
  await assert.rejects(run(act('missing', '/o/')), (e: unknown) => e instanceof FileOpError && e.message === '"/missing": not found');
  await assert.rejects(run(act('missing', '/o/', { allowWildcard: false })), /"\/missing": not found/);
});

test('symlinks in the source are copied as links with verbatim targets', async () => {
  await makeTree(src, {
    'dir/abs': { link: '/etc/passwd' }, 'dir/rel': { link: '../x/y' }, 'dir/dangling': { link: 'nope' },
    'dir/todir': { link: 'sub' }, 'dir/sub/f': 'f',
  });
  await run(act('dir', '/d'));
  assert.equal(await linkTarget(path.join(dst, 'd/abs')), '/etc/passwd');
  assert.equal(await linkTarget(path.join(dst, 'd/rel')), '../x/y');
  assert.equal(await linkTarget(path.join(dst, 'd/dangling')), 'nope');
  assert.ok((await lstat(path.join(dst, 'd/todir'))).isSymbolicLink());
});

test('a symlink named as src is followed only with followSymlinks', async () => {
  await makeTree(src, { 'real/f': 'content', 'linkdir': { link: 'real' }, 'file': 'F', 'linkfile': { link: '/file' } });
  await run(act('linkdir', '/a'));
  assert.equal(await readText(path.join(dst, 'a/f')), 'content');
  await run(act('linkfile', '/b/'));
  assert.ok((await lstat(path.join(dst, 'b/linkfile'))).isFile());
  await run(act('linkfile', '/c/', { followSymlinks: false }));
  assert.equal(await linkTarget(path.join(dst, 'c/linkfile')), '/file');
});

test('hardlinks between copied files are preserved', async () => {
  await makeTree(src, { 'd/one': 'same' });
  await link(path.join(src, 'd/one'), path.join(src, 'd/two'));
  await mkdir(path.join(src, 'd/deep'));
  await link(path.join(src, 'd/one'), path.join(src, 'd/deep/three'));
  await run(act('d', '/h'));
  const [a, b, c] = await Promise.all(['h/one', 'h/two', 'h/deep/three'].map((p) => stat(path.join(dst, p))));
  assert.equal(a!.ino, b!.ino);
  assert.equal(a!.ino, c!.ino);
  assert.equal(a!.nlink, 3);
});

test('owners and modes are kept; chown and mode override them', async () => {
  await makeTree(src, { 'd/f': 'x', 'd/s/g': 'y', 'd/l': { link: 'f' } });
  await chown(path.join(src, 'd/f'), 1234, 5678);
  await chmod(path.join(src, 'd/f'), 0o4751);
  await chmod(path.join(src, 'd/s'), 0o700);
  await run(act('d', '/keep'));
  const f = await lstat(path.join(dst, 'keep/f'));
  assert.deepEqual([f.uid, f.gid, f.mode & 0o7777], [1234, 5678, 0o4751]);
  assert.equal(await modeOf(path.join(dst, 'keep/s')), 0o700);

  await run(act('d', '/own/sub/', { chown: { uid: 42, gid: 43 }, mode: 0o640 }));
  for (const p of ['own', 'own/sub', 'own/sub/f', 'own/sub/s', 'own/sub/s/g', 'own/sub/l']) {
    const st = await lstat(path.join(dst, p));
    assert.deepEqual([st.uid, st.gid], [42, 43], p); // created parents too, as BuildKit's MkdirAll(chown)
  }
  assert.equal(await modeOf(path.join(dst, 'own/sub/f')), 0o640);
  assert.equal(await modeOf(path.join(dst, 'own/sub/s')), 0o640);
  // Created parents get the --chmod mode exactly (fsutil#228, BuildKit >= 0.21; moby/buildkit#5943).
  assert.equal(await modeOf(path.join(dst, 'own')), 0o640);
  assert.equal(await modeOf(path.join(dst, 'own/sub')), 0o640);
});

test('created parent dirs without chown are 0755 and owned by root', async () => {
  await makeTree(src, { f: 'x' });
  await run(act('f', '/p/q/r/'));
  for (const p of ['p', 'p/q', 'p/q/r']) {
    const st = await lstat(path.join(dst, p));
    assert.deepEqual([st.uid, st.gid, st.mode & 0o7777], [0, 0, 0o755], p);
  }
});

test('mtimes are kept; timestamp overrides them (files, dirs, symlinks, created parents)', async () => {
  await makeTree(src, { 'd/f': 'x', 'd/l': { link: 'f' } });
  await utimes(path.join(src, 'd'), 1_500_000_000, 1_500_000_000);
  await run(act('d', '/t'));
  assert.equal((await lstat(path.join(dst, 't/f'))).mtimeMs, 1_600_000_000_000);
  assert.equal((await lstat(path.join(dst, 't'))).mtimeMs, 1_500_000_000_000);

  await run(act('d', '/ts/new/', { timestamp: 1_234_567_890 }));
  // 'ts' itself is created with the timestamp too, but creating 'ts/new' inside bumps it (as in BuildKit).
  for (const p of ['ts/new', 'ts/new/f', 'ts/new/l']) {
    assert.equal((await lstat(path.join(dst, p))).mtimeMs, 1_234_567_890_000, p);
  }
});

test('include and exclude patterns select what is copied, relative to src', async () => {
  await makeTree(src, {
    'app/src/main.go': 'm', 'app/src/util/u.go': 'u', 'app/README.md': 'r',
    'app/node_modules/x/index.js': 'x', 'app/node_modules/keep.js': 'k', 'app/a/b/c.txt': 'c',
  });
  await run(act('app', '/i', { includePatterns: ['src', '*.md'] }));
  assert.deepEqual(await listTree(path.join(dst, 'i')), ['README.md', 'src/', 'src/main.go', 'src/util/', 'src/util/u.go']);
  await run(act('app', '/e', { excludePatterns: ['node_modules', '**/*.go'] }));
  assert.deepEqual(await listTree(path.join(dst, 'e')), ['README.md', 'a/', 'a/b/', 'a/b/c.txt', 'src/', 'src/util/']);
  await run(act('app', '/x', { excludePatterns: ['node_modules', '!node_modules/keep.js'] }));
  assert.deepEqual((await listTree(path.join(dst, 'x'))).filter((p) => p.startsWith('node_modules')), ['node_modules/', 'node_modules/keep.js']);
  // a/*/c.txt: a and a/b are created only because c.txt is included
  await run(act('app', '/p', { includePatterns: ['a/*/c.txt'] }));
  assert.deepEqual(await listTree(path.join(dst, 'p')), ['a/', 'a/b/', 'a/b/c.txt']);
});

test('alwaysReplaceExistingDestPaths replaces entries of another type', async () => {
  await makeTree(src, { 'd/x/inner': 'i', 'd/y': 'file' });
  await makeTree(dst, { 'o/x': 'was a file', 'o/y/z': 'was a dir' });
  await assert.rejects(run(act('d', '/o')), /cannot copy to non-directory: \/o\/x/);
  await run(act('d', '/o', { alwaysReplaceExistingDestPaths: true }));
  assert.equal(await readText(path.join(dst, 'o/x/inner')), 'i');
  assert.equal(await readText(path.join(dst, 'o/y')), 'file');
});

test('createDestPath=false requires the parent of dest to exist', async () => {
  await makeTree(src, { f: 'x' });
  await assert.rejects(run(act('f', '/no/such/f', { createDestPath: false })), FileOpError);
  await makeTree(dst, { yes: { dir: true } });
  await run(act('f', '/yes/f', { createDestPath: false }));
  assert.equal(await readText(path.join(dst, 'yes/f')), 'x');
});

test('dirCopyContents=false copies the directory itself into an existing dest', async () => {
  await makeTree(src, { 'dir/a': 'A' });
  await chmod(path.join(src, 'dir'), 0o750);
  await makeTree(dst, { out: { dir: true } });
  await run(act('dir', '/out', { dirCopyContents: false }));
  assert.equal(await readText(path.join(dst, 'out/dir/a')), 'A');
  assert.equal(await modeOf(path.join(dst, 'out/dir')), 0o750);
});

test('COPY . /app copies the whole source root', async () => {
  await makeTree(src, { a: 'a', 'b/c': 'c' });
  await writeFile(path.join(src, '.hidden'), 'h');
  await run(act('.', '/app'));
  assert.deepEqual(await listTree(path.join(dst, 'app')), ['.hidden', 'a', 'b/', 'b/c']);
});

test('FIFOs and device nodes are recreated (mknod), not opened', async () => {
  const { execFileSync } = await import('node:child_process');
  await makeTree(src, { d: { dir: true } });
  execFileSync('mknod', [path.join(src, 'd/fifo'), 'p']);
  execFileSync('mknod', [path.join(src, 'd/null'), 'c', '1', '3']);
  await run(act('d', '/s'));
  assert.ok((await lstat(path.join(dst, 's/fifo'))).isFIFO());
  const dev = await lstat(path.join(dst, 's/null'));
  assert.ok(dev.isCharacterDevice());
  assert.equal(dev.rdev, (await lstat('/dev/null')).rdev);
});
