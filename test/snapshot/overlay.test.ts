/**
 * mountOverlay/unmount with real mounts: unpacked layers stack (whiteouts hide, opaque dirs hide lower content),
 * the single-lower and scratch cases, hundreds of lowers past the one-page option limit, busy unmounts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { MediaType } from '../../src/oci/media-types.js';
import { mountOverlay, unmount, unpackLayer } from '../../src/snapshot/index.js';
import { craftTar, scratch, sh } from './helpers.js';

function isMounted(target: string): boolean {
  return sh(`findmnt -rn -o TARGET || true`).split('\n').includes(target);
}

async function twoLayers(dir: string): Promise<[string, string]> {
  const base = await craftTar(path.join(dir, 'base.tar'), [
    { path: 'a', body: 'a\n' }, { path: 'b', body: 'b\n' },
    { path: 'd/', type: 'Directory', mode: 0o755 }, { path: 'd/x', body: 'x\n' }, { path: 'd/y', body: 'y\n' },
    { path: 'e/', type: 'Directory', mode: 0o755 }, { path: 'e/keep', body: 'keep\n' },
  ]);
  const top = await craftTar(path.join(dir, 'top.tar'), [
    { path: '.wh.a' }, { path: 'b', body: 'b2\n' },
    { path: 'd/', type: 'Directory', mode: 0o755 }, { path: 'd/.wh..wh..opq' }, { path: 'd/z', body: 'z\n' },
    { path: 'e/', type: 'Directory', mode: 0o755 }, { path: 'e/new', body: 'new\n' },
  ]);
  const l1 = path.join(dir, 'l1');
  const l2 = path.join(dir, 'l2');
  await unpackLayer({ blobPath: base, mediaType: MediaType.ociLayer, dest: l1, rootless: false });
  await unpackLayer({ blobPath: top, mediaType: MediaType.ociLayer, dest: l2, rootless: false });
  return [l1, l2];
}

test('stacked layers: whiteouts hide files, opaque dirs hide lower content, upper wins', async (t) => {
  const dir = await scratch(t);
  const lowers = await twoLayers(dir);
  const target = path.join(dir, 'merged');
  await mkdir(target);
  await mountOverlay({ lowers, target, readonly: true });
  try {
    assert.deepEqual((await readdir(target)).sort(), ['b', 'd', 'e']);
    assert.equal(await readFile(path.join(target, 'b'), 'utf8'), 'b2\n');
    assert.deepEqual(await readdir(path.join(target, 'd')), ['z']);
    assert.deepEqual((await readdir(path.join(target, 'e'))).sort(), ['keep', 'new']);
    await assert.rejects(writeFile(path.join(target, 'f'), ''), { code: 'EROFS' });
  } finally {
    await unmount(target);
  }
  assert.equal(isMounted(target), false);
});

test('a writable upper collects changes; the lowers stay untouched', async (t) => {
  const dir = await scratch(t);
  const lowers = await twoLayers(dir);
  const [upper, work, target] = ['upper', 'work', 'merged'].map((n) => path.join(dir, n)) as [string, string, string];
  for (const d of [upper, work, target]) await mkdir(d);
  await mountOverlay({ lowers, upper, work, target });
  try {
    await writeFile(path.join(target, 'e/keep'), 'changed\n');
    sh(`rm '${path.join(target, 'b')}'`);
  } finally {
    await unmount(target);
  }
  assert.equal(await readFile(path.join(upper, 'e/keep'), 'utf8'), 'changed\n');
  assert.equal(sh(`stat -c '%F %t:%T' '${path.join(upper, 'b')}'`).trim(), 'character special file 0:0');
  assert.equal(await readFile(path.join(lowers[0], 'e/keep'), 'utf8'), 'keep\n');
});

test('one lower without upper is a read-only bind mount; no lowers with an upper is a writable bind', async (t) => {
  const dir = await scratch(t);
  const [l1] = await twoLayers(dir);
  const target = path.join(dir, 'm1');
  await mkdir(target);
  await mountOverlay({ lowers: [l1], target });
  try {
    assert.equal(await readFile(path.join(target, 'a'), 'utf8'), 'a\n');
    await assert.rejects(writeFile(path.join(target, 'new'), ''), { code: 'EROFS' });
  } finally {
    await unmount(target);
  }
  const [upper, work, t2] = ['up', 'wk', 'm2'].map((n) => path.join(dir, n)) as [string, string, string];
  for (const d of [upper, work, t2]) await mkdir(d);
  await mountOverlay({ lowers: [], upper, work, target: t2 });
  try {
    await writeFile(path.join(t2, 'f'), 'scratch\n');
  } finally {
    await unmount(t2);
  }
  assert.equal(await readFile(path.join(upper, 'f'), 'utf8'), 'scratch\n');
});

test('300 lowers with long absolute paths mount through relative names', async (t) => {
  const dir = await scratch(t);
  const parent = path.join(dir, 'a-long-directory-name-so-that-absolute-lowerdir-paths-exceed-one-page-of-mount-options');
  const lowers: string[] = [];
  for (let i = 0; i < 300; i++) {
    const l = path.join(parent, String(i));
    await mkdir(l, { recursive: true });
    await writeFile(path.join(l, `f${i}`), String(i));
    await writeFile(path.join(l, 'top'), String(i));
    lowers.push(l);
  }
  assert.ok(lowers.join(':').length > 4096, 'the absolute option string would not fit');
  const target = path.join(dir, 'merged');
  await mkdir(target);
  await mountOverlay({ lowers, target, readonly: true });
  try {
    assert.equal(await readFile(path.join(target, 'f0'), 'utf8'), '0', 'bottom layer visible');
    assert.equal(await readFile(path.join(target, 'top'), 'utf8'), '299', 'last lower is the top');
    assert.equal((await readdir(target)).length, 301);
  } finally {
    await unmount(target);
  }
});

test('unmount detaches a busy mount lazily and ignores a target that is not mounted', async (t) => {
  const dir = await scratch(t);
  const lowers = await twoLayers(dir);
  const target = path.join(dir, 'merged');
  await mkdir(target);
  await mountOverlay({ lowers, target, readonly: true });
  const busy = spawn('sleep', ['30'], { cwd: path.join(target, 'd'), stdio: 'ignore' });
  t.after(() => { busy.kill(); });
  await once(busy, 'spawn');
  await unmount(target);
  assert.equal(isMounted(target), false);
  await unmount(target);
});

test('a failing mount is an EnvironmentError', async (t) => {
  const dir = await scratch(t);
  await assert.rejects(
    mountOverlay({ lowers: [path.join(dir, 'missing1'), path.join(dir, 'missing2')], target: dir }),
    { code: 'BK0009' },
  );
});
