/**
 * Hostile layers: nothing may be written, linked or xattr'ed outside `dest`. Each archive targets a sentinel
 * directory beside dest (by absolute path, by `..`, through symlinks, hardlinks and symlink chains); after the
 * unpack (which may fail with LayerError but must not do anything else) the sentinel and dest's parent are
 * exactly as before. Both layer formats (whiteout devices, or sanitized `.wh.` markers).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { LayerError } from '../../src/errors.js';
import { MediaType } from '../../src/oci/media-types.js';
import { unpackLayer } from '../../src/snapshot/index.js';
import { readXattrTree } from '../../src/snapshot/xattrs.js';
import { type CraftEntry, craftTar, h16, manifest, scratch } from './helpers.js';

type Attack = (outside: string) => CraftEntry[];

const attacks: Record<string, Attack> = {
  'dot-dot member names': () => [{ path: '../outside/dotdot' }, { path: 'a/../../outside/dotdot2' }],
  'absolute member name': (o) => [{ path: `${o}/abs` }],
  'symlink to an absolute dir, then a file through it': (o) => [{ path: 'a', type: 'SymbolicLink', linkpath: o }, { path: 'a/passwd' }],
  'relative symlink leaving the root, then a file through it': () => [
    { path: 'a', type: 'SymbolicLink', linkpath: '../outside' }, { path: 'a/passwd' },
  ],
  'symlink in a subdir with enough ..': () => [
    { path: 'd/', type: 'Directory', mode: 0o755 }, { path: 'd/s', type: 'SymbolicLink', linkpath: '../../outside' }, { path: 'd/s/f' },
  ],
  'symlink chain a -> b -> c -> outside': (o) => [
    { path: 'a', type: 'SymbolicLink', linkpath: 'b' }, { path: 'b', type: 'SymbolicLink', linkpath: 'c' },
    { path: 'c', type: 'SymbolicLink', linkpath: o }, { path: 'a/passwd' },
  ],
  'chain built in the other order': (o) => [
    { path: 'c', type: 'SymbolicLink', linkpath: o }, { path: 'b', type: 'SymbolicLink', linkpath: 'c' },
    { path: 'a', type: 'SymbolicLink', linkpath: 'b' }, { path: 'a/passwd' }, { path: 'b/passwd2' },
  ],
  'symlink through a self-loop': () => [
    { path: 'x', type: 'SymbolicLink', linkpath: '.' }, { path: 'y', type: 'SymbolicLink', linkpath: 'x/x/../..' },
    { path: 'y/outside/f' },
  ],
  'symlink into itself then dir of the same name': (o) => [
    { path: 'p', type: 'SymbolicLink', linkpath: o }, { path: 'p/', type: 'Directory', mode: 0o755 }, { path: 'p/q' },
  ],
  'hardlink to ../../ then overwrite it': () => [
    { path: 'h', type: 'Link', linkpath: '../outside/victim' }, { path: 'h', body: 'pwned\n' },
  ],
  'hardlink to an absolute path': (o) => [{ path: 'h', type: 'Link', linkpath: `${o}/victim` }, { path: 'h', body: 'pwned\n' }],
  'hardlink through a symlink': (o) => [
    { path: 'p', type: 'SymbolicLink', linkpath: o }, { path: 'h', type: 'Link', linkpath: 'p/victim' }, { path: 'h', body: 'pwned\n' },
  ],
  'hardlink to an escaping symlink, then a file through it': (o) => [
    { path: 'p', type: 'SymbolicLink', linkpath: o }, { path: 'h', type: 'Link', linkpath: 'p' }, { path: 'h/q' },
  ],
  'whiteout marker through a symlink': (o) => [{ path: 'p', type: 'SymbolicLink', linkpath: o }, { path: 'p/.wh.victim' }],
  'whiteout of ".." and "."': () => [
    { path: '.wh...' }, { path: '.wh..' }, { path: 'sub/', type: 'Directory', mode: 0o755 }, { path: 'sub/.wh...' },
  ],
  'opaque marker through a symlink': (o) => [{ path: 'p', type: 'SymbolicLink', linkpath: o }, { path: 'p/.wh..wh..opq' }],
};

for (const [name, attack] of Object.entries(attacks)) for (const format of ['overlay', 'oci'] as const) {
  test(`hostile layer (${format} format): ${name}`, async (t) => {
    const dir = await scratch(t);
    const outside = path.join(dir, 'outside');
    await mkdir(outside);
    await writeFile(path.join(outside, 'victim'), 'victim\n');
    const before = await snapshot(dir);
    const tar = await craftTar(path.join(dir, 'evil.tar'), attack(outside));
    const dest = path.join(dir, 'dest');
    await unpackLayer({ blobPath: tar, mediaType: MediaType.ociLayer, dest, rootless: false, format }).catch((e: unknown) => {
      assert.ok(e instanceof LayerError, `only a LayerError may come out, got ${String(e)}`);
    });
    assert.deepEqual(await snapshot(dir), before, 'nothing outside dest changed');
  });
}

/** Everything outside dest that an escape could touch: the sentinel tree, dir's own xattrs and entries. */
async function snapshot(dir: string): Promise<unknown> {
  const names = (await readdir(dir)).filter((n) => n !== 'dest' && !n.startsWith('evil.tar'));
  const rootXattrs = [...((await readXattrTree(dir)).get('.') ?? [])].map(([k, v]) => `${k}=${v.toString('hex')}`);
  return { names, rootXattrs, outside: await manifest(path.join(dir, 'outside'), { overlayXattrs: true }), outsideXattrs: (await readXattrTree(path.join(dir, 'outside'))).get('.') };
}

test('an absolute member name lands inside dest', async (t) => {
  const dir = await scratch(t);
  const tar = await craftTar(path.join(dir, 'l.tar'), [{ path: '/etc/abs-name-test' }]);
  await unpackLayer({ blobPath: tar, mediaType: MediaType.ociLayer, dest: path.join(dir, 'dest'), rootless: false });
  assert.deepEqual(await manifest(path.join(dir, 'dest'), { mtimes: false }), [
    'etc dir 755 0:0', `etc/abs-name-test file 644 0:0 5 ${h16('data\n')}`,
  ]);
});
