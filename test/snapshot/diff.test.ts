/**
 * writeLayerTar on a real overlayfs upperdir after changes made through the merged mount: whiteouts (which share
 * one inode) become `.wh.NAME` before their siblings, a re-created dir gets `.wh..wh..opq`, overlay's own xattrs
 * stay out, and the output is byte-for-byte deterministic. A marker-format dir (the native snapshotter's) of the
 * same changes gives the same entries.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { Parser, type ReadEntry } from 'tar';
import { MediaType } from '../../src/oci/media-types.js';
import { diffToUpper, materialize, mountOverlay, recordTree, unmount, unpackLayer, writeLayerTar } from '../../src/snapshot/index.js';
import { craftTar, scratch, sh } from './helpers.js';

export async function layerTarFile(dir: string, file: string, sourceDateEpoch?: number): Promise<Buffer> {
  const out = createWriteStream(file);
  await writeLayerTar({ dir, out, rootless: false, ...(sourceDateEpoch === undefined ? {} : { sourceDateEpoch }) });
  out.end();
  await finished(out);
  return readFile(file);
}

interface Listed { path: string; type: string; mode: number; uid: number; gid: number; size: number; linkpath: string; mtime: number }

export async function listTar(buf: Buffer): Promise<Listed[]> {
  const list: Listed[] = [];
  const p = new Parser({ strict: true });
  p.on('entry', (e: ReadEntry) => {
    list.push({
      path: e.path, type: e.type, mode: e.mode ?? -1, uid: e.uid ?? -1, gid: e.gid ?? -1, size: e.size ?? -1,
      linkpath: e.linkpath ?? '', mtime: (e.mtime?.getTime() ?? -1) / 1000,
    });
    e.resume();
  });
  const done = new Promise((resolve, reject) => { p.on('end', resolve); p.on('error', reject); });
  p.end(buf);
  await done;
  return list;
}

const CHANGES = [
  'rm a c e/gone', 'echo changed > e/keep', 'rm -rf d && mkdir d && echo z > d/z',
  'mkdir n && echo 1 > n/f && ln n/f n/g && chown 1234:5678 n/f && chmod 4755 n/f',
  'setfattr -n user.test -v hello n/f', 'mknod n/null c 1 3', 'ln -s /etc/passwd n/abs', 'mkfifo n/fifo',
].join(' && ');

function baseTar(dir: string): Promise<string> {
  return craftTar(path.join(dir, 'base.tar'), [
    { path: 'a' }, { path: 'b' }, { path: 'c' },
    { path: 'd/', type: 'Directory', mode: 0o755 }, { path: 'd/x' }, { path: 'd/y' },
    { path: 'e/', type: 'Directory', mode: 0o755 }, { path: 'e/keep', body: 'keep\n' }, { path: 'e/gone' },
  ]);
}

/** A RUN-like change set made through the merged mount; returns the upperdir. */
async function changedUpper(dir: string): Promise<string> {
  const base = await baseTar(dir);
  const lower = path.join(dir, 'lower');
  await unpackLayer({ blobPath: base, mediaType: MediaType.ociLayer, dest: lower, rootless: false });
  const [upper, work, m] = ['upper', 'work', 'merged'].map((n) => path.join(dir, n)) as [string, string, string];
  for (const d of [upper, work, m]) await mkdir(d);
  await mountOverlay({ lowers: [lower], upper, work, target: m });
  try {
    sh(CHANGES, m);
  } finally {
    await unmount(m);
  }
  return upper;
}

test('an upperdir becomes an OCI layer: whiteouts first, opaque marker after its dir, hardlinks, devices', async (t) => {
  const dir = await scratch(t);
  const upper = await changedUpper(dir);
  assert.match(sh(`getfattr -d -m - '${path.join(upper, 'd')}'`), /trusted\.overlay\.opaque="y"/, 'overlay made d opaque');
  assert.equal((await stat(path.join(upper, 'a'))).ino, (await stat(path.join(upper, 'c'))).ino, 'whiteouts share an inode');

  const buf = await layerTarFile(upper, path.join(dir, 'layer.tar'));
  const list = await listTar(buf);
  assert.deepEqual(list.map((e) => `${e.path} ${e.type}${e.linkpath ? ' -> ' + e.linkpath : ''}`), [
    '.wh.a File', '.wh.c File',
    'd/ Directory', 'd/.wh..wh..opq File', 'd/z File',
    'e/ Directory', 'e/.wh.gone File', 'e/keep File',
    'n/ Directory', 'n/abs SymbolicLink -> /etc/passwd', 'n/f File', 'n/fifo FIFO', 'n/g Link -> n/f', 'n/null CharacterDevice',
  ]);
  for (const wh of list.filter((e) => e.path.includes('.wh.'))) {
    assert.deepEqual([wh.size, wh.mode, wh.uid, wh.gid, wh.mtime], [0, 0, 0, 0, 0], wh.path);
  }
  const f = list.find((e) => e.path === 'n/f')!;
  assert.deepEqual([f.mode, f.uid, f.gid, f.size], [0o4755, 1234, 5678, 2]);
  assert.ok(!buf.includes('overlay.'), 'no overlayfs xattrs in the layer');
  assert.ok(buf.includes('SCHILY.xattr.user.test=hello'));
  assert.match(sh(`tar -tvf layer.tar n/null`, dir), /^crw-r--r-- 0\/0 +1,3 /, 'GNU tar reads the device numbers');

  const again = await layerTarFile(upper, path.join(dir, 'again.tar'));
  assert.ok(again.equals(buf), 'deterministic output');
});

/** The same changes on a native copy of the base unpacked in marker format: a marker-format layer dir. */
async function changedNative(dir: string): Promise<string> {
  const lower = path.join(dir, 'native-lower');
  await unpackLayer({ blobPath: await baseTar(dir), mediaType: MediaType.ociLayer, dest: lower, rootless: false, format: 'oci' });
  const rootfs = path.join(dir, 'native-rootfs');
  const upper = path.join(dir, 'native-upper');
  await materialize({ layers: [lower], dest: rootfs, rootless: false });
  const before = recordTree(rootfs);
  sh(CHANGES, rootfs);
  await mkdir(upper);
  await diffToUpper({ root: rootfs, before, upper, rootless: false });
  return upper;
}

test('a marker-format layer dir (native diff) gives the same layer tar as the overlay upperdir', async (t) => {
  const dir = await scratch(t);
  const native = await changedNative(dir);
  assert.equal(sh(`find '${native}' -type c ! -name null | wc -l`).trim(), '0', 'no whiteout device');
  assert.doesNotMatch(sh(`getfattr -R -d -m - '${native}'`), /overlay/, 'no overlay xattr');
  const brief = (l: Listed[]): string[] => l.map((e) => `${e.path} ${e.type} ${e.mode.toString(8)} ${e.uid}:${e.gid} ${e.size} ${e.linkpath}${e.path.includes('.wh.') ? ` t=${e.mtime}` : ''}`);
  const nativeList = brief(await listTar(await layerTarFile(native, path.join(dir, 'native.tar'))));
  const overlayList = brief(await listTar(await layerTarFile(await changedUpper(dir), path.join(dir, 'overlay.tar'))));
  assert.deepEqual(nativeList, overlayList);
  assert.ok(nativeList.includes('d/.wh..wh..opq File 0 0:0 0  t=0'), nativeList.join('\n'));
});

test('markers in either form are written once, opaque marker first, whiteouts by name before siblings', async (t) => {
  const dir = await scratch(t);
  const src = path.join(dir, 'src');
  // A dir with both opaque forms, a name with both whiteout forms, a device whiteout sorting after a marker file,
  // and names that delete nothing.
  sh([
    `mkdir -p '${src}/o/sub' && cd '${src}'`, 'setfattr -n trusted.overlay.opaque -v y o', ': > o/.wh..wh..opq',
    'echo x > o/-first', 'mknod o/zz c 0 0', ': > o/.wh.zz', ': > o/.wh.b', 'mknod o/a c 0 0',
    ': > o/.wh..', ': > o/.wh..wh.plnk', ': > .wh..wh..opq', 'echo y > top',
  ].join(' && '));
  const list = await listTar(await layerTarFile(src, path.join(dir, 'layer.tar')));
  assert.deepEqual(list.map((e) => e.path), [
    '.wh..wh..opq', 'o/', 'o/.wh..wh..opq', 'o/.wh.a', 'o/.wh.b', 'o/.wh.zz', 'o/-first', 'o/sub/', 'top',
  ]);
});

test('sourceDateEpoch clamps every mtime', async (t) => {
  const dir = await scratch(t);
  const upper = await changedUpper(dir);
  const epoch = 1_000_000_000;
  const list = await listTar(await layerTarFile(upper, path.join(dir, 'layer.tar'), epoch));
  assert.ok(list.length > 5);
  for (const e of list) assert.ok(e.mtime <= epoch, `${e.path} ${e.mtime}`);
  assert.ok(list.some((e) => e.mtime === epoch));
});

test('long paths, big ids and non-ASCII names go through PAX and GNU tar reads them back', async (t) => {
  const dir = await scratch(t);
  const src = path.join(dir, 'src');
  const long = `${'x'.repeat(120)}/${'y'.repeat(150)}`;
  await mkdir(path.join(src, long), { recursive: true });
  sh(`cd '${src}' && touch '${long}/f' 'héllo wörld' && chown 3000000:4000000 'héllo wörld' && ln -s '${'t'.repeat(200)}' sl`);
  const buf = await layerTarFile(src, path.join(dir, 'layer.tar'));
  const list = await listTar(buf);
  const names = list.map((e) => e.path);
  assert.ok(names.includes(`${long}/f`) && names.includes('héllo wörld'));
  assert.equal(list.find((e) => e.path === 'héllo wörld')!.uid, 3000000);
  assert.equal(list.find((e) => e.path === 'sl')!.linkpath, 't'.repeat(200));
  const gnu = sh(`tar --numeric-owner -tvf layer.tar`, dir);
  assert.match(gnu, /3000000\/4000000 .* héllo wörld/);
  assert.ok(gnu.includes(`${long}/f`));
});

test('a renamed lower directory is a whiteout plus a full copy, never an overlay redirect', async (t) => {
  const dir = await scratch(t);
  const base = await craftTar(path.join(dir, 'base.tar'), [{ path: 'r/', type: 'Directory', mode: 0o755 }, { path: 'r/f', body: 'f\n' }]);
  const lower = path.join(dir, 'lower');
  await unpackLayer({ blobPath: base, mediaType: MediaType.ociLayer, dest: lower, rootless: false });
  const [upper, work, m] = ['upper', 'work', 'merged'].map((n) => path.join(dir, n)) as [string, string, string];
  for (const d of [upper, work, m]) await mkdir(d);
  await mountOverlay({ lowers: [lower], upper, work, target: m });
  try {
    sh('mv r r2', m);
  } finally {
    await unmount(m);
  }
  assert.doesNotMatch(sh(`getfattr -R -d -m - '${upper}'`), /redirect/);
  const list = await listTar(await layerTarFile(upper, path.join(dir, 'layer.tar')));
  assert.deepEqual(list.map((e) => e.path), ['.wh.r', 'r2/', 'r2/f']);
});
