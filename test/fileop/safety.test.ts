/**
 * Malicious trees: symlinks in the destination must be resolved inside destRoot, symlinks in the source
 * must never make us read outside srcRoot, and `..` is clamped at each root. A "host" directory beside the
 * roots stands for /etc: nothing may appear in it or be read from it.
 */
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { lstat, symlink } from 'node:fs/promises';
import path from 'node:path';
import { checksumPaths, copy, mkdir, mkfile, rm, type CopyAction } from '../../src/fileop/index.js';
import { exists, linkTarget, listTree, makeTree, readText, removeDir, tempDir } from './tree.js';

let src: string;
let dst: string;
let host: string;
beforeEach(async () => {
  src = await tempDir(); dst = await tempDir(); host = await tempDir('fileop-host-');
  await makeTree(host, { secret: 'host secret' });
});
afterEach(async () => { await removeDir(src); await removeDir(dst); await removeDir(host); });

function act(from: string, to: string, more: Partial<CopyAction> = {}): CopyAction {
  return {
    src: from, dest: to, followSymlinks: true, dirCopyContents: true, createDestPath: true,
    allowWildcard: true, allowEmptyWildcard: false, ...more,
  };
}
const run = (a: CopyAction) => copy({ srcRoot: src, destRoot: dst, action: a });
const hostUntouched = async () => assert.deepEqual(await listTree(host), ['secret']);

test('dest symlink to an absolute host path is followed inside destRoot', async () => {
  await makeTree(src, { f: 'payload' });
  await symlink(host, path.join(dst, 'dest'));
  await run(act('f', '/dest/'));
  await hostUntouched();
  assert.equal(await readText(path.join(dst, host, 'f')), 'payload');
});

test('dest symlink to ../../.. is clamped at destRoot', async () => {
  await makeTree(src, { f: 'payload' });
  await makeTree(dst, { a: { dir: true } });
  await symlink('../../../../../../../../..' + host, path.join(dst, 'a/up'));
  await run(act('f', '/a/up/'));
  await hostUntouched();
  assert.equal(await readText(path.join(dst, host, 'f')), 'payload');
});

test('a symlink inside a merged dest dir is not written through', async () => {
  await makeTree(src, { 'd/sub/secret': 'overwrite!', 'd/file': 'replaced' });
  await makeTree(dst, { app: { dir: true } });
  await symlink(host, path.join(dst, 'app/sub'));
  await symlink(path.join(host, 'secret'), path.join(dst, 'app/file'));
  await assert.rejects(run(act('d', '/app')), /cannot copy to non-directory: \/app\/sub/);
  await hostUntouched();
  assert.equal(await readText(path.join(host, 'secret')), 'host secret');
  // The file target that was a symlink is replaced by a regular file, not written through.
  await run(act('d/file', '/app/file'));
  assert.ok((await lstat(path.join(dst, 'app/file'))).isFile());
  assert.equal(await readText(path.join(host, 'secret')), 'host secret');
});

test('source symlinks pointing outside srcRoot are copied as links, never read', async () => {
  await makeTree(src, { 'd/abs': { link: path.join(host, 'secret') }, 'd/rel': { link: '../../../../../../..' + host } });
  await run(act('d', '/o'));
  assert.equal(await linkTarget(path.join(dst, 'o/abs')), path.join(host, 'secret'));
  assert.ok((await lstat(path.join(dst, 'o/rel'))).isSymbolicLink());
});

test('src ../../etc/passwd and followed symlinks are clamped to srcRoot', async () => {
  await makeTree(src, { 'etc/passwd': 'inside', 'abs': { link: path.join(host, 'secret') }, 'up': { link: '../../../../..' + host + '/secret' } });
  await run(act('../../../../etc/passwd', '/p'));
  assert.equal(await readText(path.join(dst, 'p')), 'inside');
  // Followed links resolve inside srcRoot, where host/secret does not exist.
  await assert.rejects(run(act('abs', '/a')), /not found/);
  await assert.rejects(run(act('up', '/u')), /not found/);
  await makeTree(src, { [host.slice(1) + '/secret']: 'the in-root copy' });
  await run(act('abs', '/a'));
  assert.equal(await readText(path.join(dst, 'a')), 'the in-root copy');
});

test('wildcards under a symlinked dir pointing outside stay inside srcRoot', async () => {
  await symlink(host, path.join(src, 'out'));
  await run(act('out/*', '/w/', { allowEmptyWildcard: true }));
  assert.equal(await exists(path.join(dst, 'w/secret')), false);
});

test('checksumPaths never reads through source symlinks', async () => {
  await makeTree(src, { 'd/link': { link: path.join(host, 'secret') } });
  const before = await checksumPaths({ root: src, paths: ['d'], followSymlinks: true });
  await makeTree(host, { secret: 'changed' });
  assert.equal(await checksumPaths({ root: src, paths: ['d'], followSymlinks: true }), before);
  await assert.rejects(checksumPaths({ root: src, paths: ['d/link'], followSymlinks: true }), /not found/);
});

test('mkdir, mkfile and rm resolve symlinks inside the root', async () => {
  await symlink(host, path.join(dst, 'etc'));
  await mkdir({ root: dst, path: '/etc/newdir/x', mode: 0o755, makeParents: true });
  await mkfile({ root: dst, path: '/etc/secret', mode: 0o644, data: Buffer.from('mine') });
  await hostUntouched();
  assert.equal(await readText(path.join(host, 'secret')), 'host secret');
  assert.equal(await readText(path.join(dst, host, 'secret')), 'mine');
  await symlink(path.join(host, 'secret'), path.join(dst, 'victim'));
  await rm({ root: dst, path: '/victim', allowNotFound: false, allowWildcard: false });
  assert.equal(await exists(path.join(dst, 'victim')), false);
  assert.equal(await readText(path.join(host, 'secret')), 'host secret');
  await rm({ root: dst, path: '/etc/../../..' + host, allowNotFound: true, allowWildcard: false });
  await hostUntouched();
});
