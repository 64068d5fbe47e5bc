import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, chown, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { checksumPaths, FileChecksumMemo, type ChecksumOptions } from '../../src/fileop/index.js';
import { FileOpError } from '../../src/errors.js';
import { makeTree, removeDir, tempDir, type Spec } from './tree.js';

let a: string;
let b: string;
beforeEach(async () => { a = await tempDir(); b = await tempDir(); });
afterEach(async () => { await removeDir(a); await removeDir(b); });

const spec: Spec = { 'app/main.go': 'package main', 'app/lib/x.go': 'package lib', 'app/link': { link: 'main.go' }, 'a': 'same', 'b': 'same', 'c.txt': 'c' };
const sum = (root: string, paths: string[], more: Partial<ChecksumOptions> = {}) =>
  checksumPaths({ root, paths, followSymlinks: true, ...more });

test('identical trees in different roots give identical digests', async () => {
  await makeTree(a, spec);
  await makeTree(b, spec);
  const d = await sum(a, ['app']);
  assert.match(d, /^sha256:[a-f0-9]{64}$/);
  assert.equal(await sum(b, ['app']), d);
});

test('touch keeps the digest; an edit, a chmod or a chown changes it', async () => {
  await makeTree(a, spec);
  const d0 = await sum(a, ['app']);
  await utimes(path.join(a, 'app/lib/x.go'), 1_700_000_000, 1_700_000_000);
  await utimes(path.join(a, 'app'), 1_700_000_000, 1_700_000_000);
  assert.equal(await sum(a, ['app']), d0);
  await writeFile(path.join(a, 'app/lib/x.go'), 'package lib // edited');
  const d1 = await sum(a, ['app']);
  assert.notEqual(d1, d0);
  await chmod(path.join(a, 'app/lib/x.go'), 0o755);
  const d2 = await sum(a, ['app']);
  assert.notEqual(d2, d1);
  await chown(path.join(a, 'app/lib/x.go'), 1000, 1000);
  assert.notEqual(await sum(a, ['app']), d2);
});

test('selecting a vs b differs even with the same content; wildcards select the same as their matches', async () => {
  await makeTree(a, spec);
  assert.notEqual(await sum(a, ['a']), await sum(a, ['b']));
  assert.equal(await sum(a, ['*.txt']), await sum(a, ['c.txt']));
  assert.equal(await sum(a, ['[ab]']), await sum(a, ['a', 'b']));
});

test('a symlink target is part of the digest; followSymlinks hashes the target content', async () => {
  await makeTree(a, { ...spec, 'l': { link: 'a' } });
  await makeTree(b, { ...spec, 'l': { link: 'b' } });
  assert.notEqual(await sum(a, ['l'], { followSymlinks: false }), await sum(b, ['l'], { followSymlinks: false }));
  assert.equal(await sum(a, ['l']), await sum(b, ['l'])); // both resolve to "same"
});

test('include and exclude patterns limit what is hashed', async () => {
  await makeTree(a, spec);
  const base = await sum(a, ['app'], { excludePatterns: ['lib'] });
  await writeFile(path.join(a, 'app/lib/x.go'), 'changed');
  assert.equal(await sum(a, ['app'], { excludePatterns: ['lib'] }), base);
  assert.equal(await sum(a, ['app'], { includePatterns: ['main.go'] }), await sum(a, ['app'], { includePatterns: ['main.go'] }));
  const inc = await sum(a, ['app'], { includePatterns: ['main.go'] });
  await writeFile(path.join(a, 'app/main.go'), 'edited');
  assert.notEqual(await sum(a, ['app'], { includePatterns: ['main.go'] }), inc);
});

test('a missing path is a FileOpError; an empty wildcard adds nothing', async () => {
  await makeTree(a, spec);
  await assert.rejects(sum(a, ['nope']), (e: unknown) => e instanceof FileOpError && e.message === '"/nope": not found');
  assert.equal(await sum(a, ['c.txt', '*.none']), await sum(a, ['c.txt']));
});

test('with a memo an unchanged file is not re-read', async () => {
  await makeTree(a, spec);
  const file = path.join(a, 'memo.bin');
  const memo = await FileChecksumMemo.load(file);
  const d0 = await sum(a, ['app'], { memo });
  assert.equal(memo.hits, 0);
  assert.equal(memo.size, 2);
  // Rewrite x.go with same-size content and restore its mtime: same inode, size and mtime. A memo hit
  // returns the old digest, which proves the file was not read again.
  const p = path.join(a, 'app/lib/x.go');
  const st = await stat(p, { bigint: true });
  await writeFile(p, 'PACKAGE LIB');
  await utimes(p, Number(st.atimeNs) / 1e9, Number(st.mtimeNs) / 1e9);
  const st2 = await stat(p, { bigint: true });
  assert.deepEqual([st2.mtimeNs, st2.size, st2.ino], [st.mtimeNs, st.size, st.ino]);
  assert.equal(await sum(a, ['app'], { memo }), d0);
  assert.equal(memo.hits, 2);
  assert.notEqual(await sum(a, ['app']), d0); // without the memo the edit shows
  await memo.save();
  const again = await FileChecksumMemo.load(file);
  assert.equal(again.size, 2);
  assert.equal(await sum(a, ['app'], { memo: again }), await sum(a, ['app'], { memo }));
  assert.equal(again.hits, 2);
});

test('recently modified files are not memoized (racy mtime)', async () => {
  await writeFile(path.join(a, 'fresh'), 'x');
  const memo = await FileChecksumMemo.load(path.join(b, 'memo.bin'));
  await sum(a, ['fresh'], { memo });
  assert.equal(memo.size, 0);
});

test('FileChecksumMemo: a malformed file loads empty; save is atomic, only after a change, and caps entries', async () => {
  const file = path.join(b, 'memo.bin');
  await writeFile(file, '{"version":1,"entries":[]}');
  assert.equal((await FileChecksumMemo.load(file)).size, 0);
  const v = { size: 1, mtimeMs: 1_600_000_000_000.5, ino: 7, mode: 0o100644, uid: 0, gid: 0 };
  const d = 'sha256:' + '0'.repeat(63) + '1';
  const memo = await FileChecksumMemo.load(file, { maxEntries: 2 });
  memo.set('/k1', v, d); memo.set('/k2', v, d);
  assert.equal(memo.get('/k1', v), d);
  memo.set('/k3', v, d);
  await memo.save();
  const again = await FileChecksumMemo.load(file, { maxEntries: 2 });
  assert.equal(again.size, 2);
  assert.equal(again.get('/k2', v), undefined); // least recently used went first
  assert.equal(again.get('/k1', v), d);
  assert.equal(again.get('/k3', { ...v, mtimeMs: v.mtimeMs + 1 }), undefined); // another version of the file
  assert.equal(again.get('/k3', v), d);
  // Hits only: nothing to write (the file keeps its bytes and its inode).
  const before = await stat(file, { bigint: true });
  await again.save();
  assert.equal((await stat(file, { bigint: true })).ino, before.ino);
  // A flipped byte fails the crc: the memo loads empty rather than giving a wrong digest.
  const bytes = await readFile(file);
  bytes[bytes.length - 10] ^= 0xff;
  await writeFile(file, bytes);
  assert.equal((await FileChecksumMemo.load(file)).size, 0);
  await writeFile(file, bytes.subarray(0, 40));
  assert.equal((await FileChecksumMemo.load(file)).size, 0);
});
