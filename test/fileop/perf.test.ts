/**
 * Scale check on a 20,000-file context (200 dirs x 100 files of 64-2,000 bytes): checksum cold, with a
 * cold memo, memo-warm, and a full copy. Prints the timings (node --test shows them as diagnostics);
 * the bounds are loose, to catch a regression to one await chain per byte or no concurrency.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile, utimes } from 'node:fs/promises';
import path from 'node:path';
import { checksumPaths, copy, FileChecksumMemo } from '../../src/fileop/index.js';
import { removeDir, tempDir } from './tree.js';

const DIRS = 200;
const PER_DIR = 100;
let work: string;
let ctx: string;

before(async () => {
  work = await tempDir('fileop-perf-');
  ctx = path.join(work, 'ctx');
  for (let d = 0; d < DIRS; d++) {
    const dir = path.join(ctx, `d${d}`);
    await mkdir(dir, { recursive: true });
    await Promise.all(Array.from({ length: PER_DIR }, async (_, f) => {
      const p = path.join(dir, `f${f}.txt`);
      await writeFile(p, `${d}/${f} `.repeat(8 + ((d * PER_DIR + f) % 250)));
      await utimes(p, 1_600_000_000, 1_600_000_000);
    }));
  }
});
after(async () => { await removeDir(work); });

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const r = await fn();
  return [r, Math.round(performance.now() - t0)];
}

test('checksum of 20,000 files: cold, memo-cold, memo-warm', async (t) => {
  const [d0, cold] = await timed(() => checksumPaths({ root: ctx, paths: ['/'], followSymlinks: true }));
  const memo = await FileChecksumMemo.load(path.join(work, 'memo.bin'));
  const [d1, memoCold] = await timed(() => checksumPaths({ root: ctx, paths: ['/'], followSymlinks: true, memo }));
  const [, save] = await timed(() => memo.save());
  const [loaded, load] = await timed(() => FileChecksumMemo.load(path.join(work, 'memo.bin')));
  const [d2, warm] = await timed(() => checksumPaths({ root: ctx, paths: ['/'], followSymlinks: true, memo: loaded }));
  t.diagnostic(`checksum 20k files: cold ${cold} ms, memo-cold ${memoCold} ms, memo-warm ${warm} ms; memo save ${save} ms, load ${load} ms`);
  assert.equal(d1, d0);
  assert.equal(d2, d0);
  assert.equal(loaded.hits, DIRS * PER_DIR);
  assert.ok(cold < 30_000 && warm < 10_000, `too slow: cold ${cold} ms, warm ${warm} ms`);
});

test('copy of 20,000 files', async (t) => {
  const dest = path.join(work, 'dest');
  await mkdir(dest);
  const [, ms] = await timed(() => copy({
    srcRoot: ctx, destRoot: dest,
    action: { src: '.', dest: '/app', followSymlinks: true, dirCopyContents: true, createDestPath: true, allowWildcard: true, allowEmptyWildcard: false },
  }));
  t.diagnostic(`copy 20k files: ${ms} ms`);
  // Same tree, same metadata: the copy checksums like its source when seen from its own root.
  assert.equal(await checksumPaths({ root: path.join(dest, 'app'), paths: ['/'], followSymlinks: true }),
    await checksumPaths({ root: ctx, paths: ['/'], followSymlinks: true }));
  assert.ok(ms < 60_000, `copy too slow: ${ms} ms`);
});
