/** ADD of local archives: detection by content, every compression, owners, and no write outside the destination. */
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { lstat, readlink, symlink, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { copy, type CopyAction } from '../../src/fileop/index.js';
import { detectArchive } from '../../src/fileop/archive-stream.js';
import { exists, listTree, makeTree, modeOf, readText, removeDir, tempDir } from './tree.js';

let work: string;
let src: string;
let dst: string;
beforeEach(async () => { work = await tempDir(); src = path.join(work, 'src'); dst = path.join(work, 'dst'); await mkdir(src); await mkdir(dst); });
afterEach(async () => { await removeDir(work); });

const add = (from: string, to: string, more: Partial<CopyAction> = {}): Promise<void> => copy({ srcRoot: src, destRoot: dst, action: {
  src: from, dest: to, followSymlinks: true, dirCopyContents: true, createDestPath: true, allowWildcard: true, allowEmptyWildcard: true, attemptUnpack: true, ...more,
} });

/** A tar of `tree` (GNU tar, numeric owner 1000) at src/name; `compress` then turns it into src/<name><suffix>. */
async function archive(name: string, tree: Record<string, string>): Promise<string> {
  const t = path.join(work, 'tree');
  await makeTree(t, tree);
  const file = path.join(src, name);
  execFileSync('tar', ['-cf', file, '-C', t, '--owner=1000', '--group=1000', '--numeric-owner', '.']);
  await removeDir(t);
  return file;
}

test('tar, tar.gz, tar.bz2, tar.xz and tar.zst are recognised by content and extracted with owners and modes', async () => {
  const kinds: Array<[string, string[] | undefined, string, string]> = [
    ['plain.tar', undefined, '', 'none'],
    ['g.tar', ['gzip', '-n'], '.gz', 'gzip'],
    ['b.tar', ['bzip2'], '.bz2', 'bzip2'],
    ['x.tar', ['xz'], '.xz', 'xz'],
    ['z.tar', ['zstd', '-q', '--rm'], '.zst', 'zstd'],
  ];
  for (const [name, comp, suffix, kind] of kinds) {
    const file = await archive(name, { 'dir/f.txt': kind, top: 't' });
    if (comp) execFileSync(comp[0]!, [...comp.slice(1), file]);
    // The name does not matter: detection is by content.
    execFileSync('mv', [file + suffix, path.join(src, `${kind}.data`)]);
    assert.equal(await detectArchive(path.join(src, `${kind}.data`)), kind);
    await add(`/${kind}.data`, `/out-${kind}/`);
    assert.equal(await readText(path.join(dst, `out-${kind}/dir/f.txt`)), kind);
    const st = await lstat(path.join(dst, `out-${kind}/dir/f.txt`));
    assert.deepEqual([st.uid, st.gid], [1000, 1000], kind);
  }
  // --chown applies to every extracted entry
  await add('/none.data', '/owned', { chown: { uid: 7, gid: 9 } });
  for (const p of ['owned/dir', 'owned/dir/f.txt', 'owned/top']) assert.equal((await lstat(path.join(dst, p))).uid, 7, p);
});

test('non-archives are copied as files, even named .tar.gz; COPY (no attemptUnpack) never extracts', async () => {
  await writeFile(path.join(src, 'fake.tar.gz'), 'not an archive\n');
  await archive('real.tar', { f: 'x' });
  await add('/fake.tar.gz', '/d/');
  assert.equal(await readText(path.join(dst, 'd/fake.tar.gz')), 'not an archive\n');
  await add('/real.tar', '/c/', { attemptUnpack: false });
  assert.ok((await lstat(path.join(dst, 'c/real.tar'))).isFile());
});

/** A hostile tar made with Python's tarfile (GNU tar would refuse to create some of these). */
function hostile(file: string, members: string): void {
  execFileSync('python3', ['-c', `
import tarfile, io, sys
t = tarfile.open(sys.argv[1], 'w')
def add(name, kind='f', data=b'pwned', link=''):
    i = tarfile.TarInfo(name); i.mode = 0o644
    if kind == 'f': i.size = len(data); t.addfile(i, io.BytesIO(data)); return
    i.type = {'l': tarfile.SYMTYPE, 'h': tarfile.LNKTYPE, 'd': tarfile.DIRTYPE}[kind]; i.linkname = link; t.addfile(i)
${members}
t.close()`, file]);
}

test('archive entries cannot write outside the destination: .., absolute and planted symlinks, hardlinks', async () => {
  const outside = path.join(work, 'outside');
  await mkdir(outside);
  // A symlink in the destination image pointing at the host dir must be followed inside the destination only.
  await mkdir(path.join(dst, 'dest'));
  await symlink(outside, path.join(dst, 'dest', 'planted'));
  hostile(path.join(src, 'evil.tar'), [
    "add('abs', 'l', link='" + outside + "')",
    "add('abs/a.txt')",
    "add('rel', 'l', link='../../..')",
    "add('rel/b.txt')",
    "add('planted/c.txt')",
    "add('ok/d.txt', data=b'fine')",
  ].join('\n'));
  await add('/evil.tar', '/dest');
  assert.deepEqual(await listTree(outside), []);
  // Followed inside the destination (as in a chroot at dest): the files land below it.
  assert.equal(await readText(path.join(dst, 'dest', outside, 'a.txt')), 'pwned');
  assert.equal(await readText(path.join(dst, 'dest/b.txt')), 'pwned');
  assert.equal(await readText(path.join(dst, 'dest/ok/d.txt')), 'fine');
  assert.equal(await readlink(path.join(dst, 'dest/abs')), outside); // link targets are kept verbatim

  hostile(path.join(src, 'dotdot.tar'), "add('../escape.txt')");
  await assert.rejects(add('/dotdot.tar', '/d2'), /outside of the destination/);
  assert.equal(await exists(path.join(dst, 'escape.txt')), false);
  hostile(path.join(src, 'hard.tar'), "add('h', 'h', link='../../outside/x')");
  await assert.rejects(add('/hard.tar', '/d3'), /outside of the destination/);
});

test('directories from the archive get their mode after their entries are written', async () => {
  hostile(path.join(src, 'ro.tar'), "i = tarfile.TarInfo('ro'); i.type = tarfile.DIRTYPE; i.mode = 0o555; t.addfile(i)\nadd('ro/f')");
  await add('/ro.tar', '/r/');
  assert.equal(await modeOf(path.join(dst, 'r/ro')), 0o555);
  assert.equal(await readText(path.join(dst, 'r/ro/f')), 'pwned');
});
