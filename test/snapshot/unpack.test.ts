/**
 * unpackLayer: OCI whiteouts become the overlay format (or stay markers, sanitized, in the oci format), the
 * diffId is the sha256 of the uncompressed tar for every compression, and directory times survive the conversion.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstat } from 'node:fs/promises';
import path from 'node:path';
import { unpackLayer } from '../../src/snapshot/index.js';
import { LayerError } from '../../src/errors.js';
import { MediaType } from '../../src/oci/media-types.js';
import { readXattrTree } from '../../src/snapshot/xattrs.js';
import { craftTar, h16, manifest, scratch, sh, sha256File } from './helpers.js';

const T = 1_700_000_000;

async function layerWithMarkers(dir: string): Promise<string> {
  return craftTar(path.join(dir, 'layer.tar'), [
    { path: '.wh.gone' },
    { path: '.wh..wh.plnk/', type: 'Directory', mode: 0o755 },
    { path: 'both', body: 'kept\n' },
    { path: '.wh.both' },
    { path: 'd2/', type: 'Directory', mode: 0o755 },
    { path: '.wh.d2' },
    { path: 'dir/', type: 'Directory', mode: 0o711, mtime: T - 100 },
    { path: 'dir/.wh..wh..opq' },
    { path: 'dir/new', body: 'new\n' },
    { path: 'sub/', type: 'Directory', mode: 0o755, mtime: T - 200 },
    { path: 'sub/.wh.x' },
    { path: 'sub/.wh.y' },
  ]);
}

test('OCI whiteouts and opaque markers become whiteout devices and the opaque xattr', async (t) => {
  const dir = await scratch(t);
  const tar = await layerWithMarkers(dir);
  const dest = path.join(dir, 'layer');
  const { diffId } = await unpackLayer({ blobPath: tar, mediaType: MediaType.ociLayer, dest, rootless: false });
  assert.equal(diffId, await sha256File(tar));

  assert.deepEqual(await manifest(dest, { overlayXattrs: true }), [
    `both file 644 0:0 t=${T} 5 ${h16('kept\n')}`,
    `d2 dir 755 0:0 t=${T} trusted.overlay.opaque=eQ==`,
    `dir dir 711 0:0 t=${T - 100} trusted.overlay.opaque=eQ==`,
    `dir/new file 644 0:0 t=${T} 4 ${h16('new\n')}`,
    'gone whiteout',
    `sub dir 755 0:0 t=${T - 200}`,
    'sub/x whiteout',
    'sub/y whiteout',
  ]);
  const gone = await lstat(path.join(dest, 'gone'));
  assert.equal(gone.mode & 0o7777, 0, 'whiteouts are mode 0 like overlayfs makes them');
  assert.equal(gone.uid, 0);
});

test('format oci: the markers stay as empty regular files; malformed ones are made plain or removed', async (t) => {
  const dir = await scratch(t);
  const tar = await craftTar(path.join(dir, 'layer.tar'), [
    { path: '.wh.gone', body: '' },
    { path: '.wh..wh.plnk/', type: 'Directory', mode: 0o755 }, { path: '.wh..wh.plnk/x' },
    { path: 'both', body: 'kept\n' }, { path: '.wh.both', body: '' },
    { path: 'dir/', type: 'Directory', mode: 0o711, mtime: T - 100 }, { path: 'dir/.wh..wh..opq', body: '' }, { path: 'dir/new', body: 'new\n' },
    // A `.wh.` dir still deletes its NAME: it becomes a plain marker, its content dropped.
    { path: 'sub/', type: 'Directory', mode: 0o755, mtime: T - 200 }, { path: 'sub/.wh.x/', type: 'Directory', mode: 0o755 }, { path: 'sub/.wh.x/in' },
    // A marker with content, a symlink and a hardlink named as markers; names that delete no sibling.
    { path: 'sub/.wh.y', body: 'junk\n' }, { path: 'sub/.wh.z', type: 'SymbolicLink', linkpath: '/etc/passwd' },
    { path: 'sub/.wh.l', type: 'Link', linkpath: 'both' },
    { path: 'sub/.wh..' }, { path: 'sub/.wh...' }, { path: 'sub/.wh.' },
  ]);
  const dest = path.join(dir, 'layer');
  const { diffId } = await unpackLayer({ blobPath: tar, mediaType: MediaType.ociLayer, dest, rootless: false, format: 'oci' });
  assert.equal(diffId, await sha256File(tar));
  const e0 = h16('');
  // Rewritten markers are new files (mode 0, this moment); the parents' times are put back.
  const now = (l: string): string => l.replace(/ t=(\d+) /, (all, s: string) => (Number(s) > T ? ' t=now ' : all));
  assert.deepEqual((await manifest(dest, { overlayXattrs: true })).map(now), [
    `.wh.both file 644 0:0 t=${T} 0 ${e0}`,
    `.wh.gone file 644 0:0 t=${T} 0 ${e0}`,
    `both file 644 0:0 t=${T} 5 ${h16('kept\n')}`,
    `dir dir 711 0:0 t=${T - 100}`,
    `dir/.wh..wh..opq file 644 0:0 t=${T} 0 ${e0}`,
    `dir/new file 644 0:0 t=${T} 4 ${h16('new\n')}`,
    `sub dir 755 0:0 t=${T - 200}`,
    `sub/.wh.l file 0 0:0 t=now 0 ${e0}`,
    `sub/.wh.x file 0 0:0 t=now 0 ${e0}`,
    `sub/.wh.y file 0 0:0 t=now 0 ${e0}`,
    `sub/.wh.z file 0 0:0 t=now 0 ${e0}`,
  ], 'no device, no xattr, no plnk; the hardlinked marker no longer shares the inode of both');
  assert.equal(sh(`find '${dest}' -type c | wc -l`).trim(), '0');
});

test('the diffId is the uncompressed tar digest for gzip, zstd and docker media types', async (t) => {
  const dir = await scratch(t);
  const tar = await layerWithMarkers(dir);
  sh(`gzip -k -n layer.tar && zstd -q layer.tar -o layer.tar.zst`, dir);
  const want = await sha256File(tar);
  const cases: [string, string][] = [
    [`${tar}.gz`, MediaType.ociLayerGzip],
    [`${tar}.gz`, MediaType.dockerLayerGzip],
    [`${tar}.zst`, MediaType.ociLayerZstd],
    [tar, MediaType.dockerLayer],
  ];
  sh(`cp layer.tar 'sha256:abc'`, dir);
  cases.push([path.join(dir, 'sha256:abc'), MediaType.ociLayer]);
  const first = await manifest(await unpackTo(cases[0]!, path.join(dir, 'u0'), want));
  for (const [i, c] of cases.entries()) {
    const dest = await unpackTo(c, path.join(dir, `u${i + 1}`), want);
    assert.deepEqual(await manifest(dest), first, `same tree for ${c[1]}`);
  }
});

async function unpackTo([blobPath, mediaType]: [string, string], dest: string, want: string): Promise<string> {
  const { diffId } = await unpackLayer({ blobPath, mediaType, dest, rootless: false });
  assert.equal(diffId, want, mediaType);
  return dest;
}

test('the diffId covers bytes after the end-of-archive blocks', async (t) => {
  const dir = await scratch(t);
  const tar = await craftTar(path.join(dir, 'l.tar'), [{ path: 'f' }]);
  sh(`head -c 1000000 /dev/zero >> '${tar}'`);
  const { diffId } = await unpackLayer({ blobPath: tar, mediaType: MediaType.ociLayer, dest: path.join(dir, 'u'), rootless: false });
  assert.equal(diffId, await sha256File(tar));
});

test('a layer cannot smuggle in overlayfs metadata xattrs', async (t) => {
  const dir = await scratch(t);
  const tar = await craftTar(path.join(dir, 'l.tar'), [
    {
      path: 'd/', type: 'Directory', mode: 0o755,
      xattrs: new Map([['trusted.overlay.opaque', Buffer.from('y')], ['trusted.overlay.redirect', Buffer.from('/etc')], ['user.keep', Buffer.from('1')]]),
    },
  ]);
  const dest = path.join(dir, 'u');
  await unpackLayer({ blobPath: tar, mediaType: MediaType.ociLayer, dest, rootless: false });
  assert.deepEqual([...(await readXattrTree(dest)).get('d')!.keys()], ['user.keep']);
});

test('bad media types, corrupt and missing blobs fail with LayerError', async (t) => {
  const dir = await scratch(t);
  const tar = await craftTar(path.join(dir, 'l.tar'), [{ path: 'f', body: 'x'.repeat(100_000) + Math.random() }]);
  sh(`head -c 100000 /dev/urandom > r && tar -cf r.tar r && gzip -c r.tar | head -c 50000 > cut.gz; echo garbage > junk.tar`, dir);
  const attempts: [string, string][] = [
    [tar, 'application/vnd.oci.image.layer.v1.tar+bzip2'],
    [path.join(dir, 'cut.gz'), MediaType.ociLayerGzip],
    [tar, MediaType.ociLayerZstd],
    [path.join(dir, 'junk.tar'), MediaType.ociLayer],
    [path.join(dir, 'missing'), MediaType.ociLayer],
  ];
  for (const [i, [blobPath, mediaType]] of attempts.entries()) {
    await assert.rejects(unpackLayer({ blobPath, mediaType, dest: path.join(dir, `u${i}`), rootless: false }), LayerError, `${blobPath} ${mediaType}`);
  }
});

test('an aborted unpack rejects and leaves no tar running', async (t) => {
  const dir = await scratch(t);
  sh('head -c 50000000 /dev/urandom > big && tar -cf l.tar big', dir);
  const ac = new AbortController();
  const p = unpackLayer({ blobPath: path.join(dir, 'l.tar'), mediaType: MediaType.ociLayer, dest: path.join(dir, 'u'), rootless: false, signal: ac.signal });
  setTimeout(() => ac.abort(), 5);
  await assert.rejects(p);
  const tars = sh('pgrep -a -x tar || true').split('\n').filter((l) => l.includes(path.join(dir, 'u')));
  assert.deepEqual(tars, []);
});
