/**
 * unpackLayer(writeLayerTar(x)) == x for everything a layer carries (owners, modes incl. setuid/sticky, mtimes,
 * xattrs incl. binary security.capability, hardlinks, devices, fifos, absolute symlinks, whiteouts, opaque dirs,
 * long and non-ASCII names), and writeTreeTar of a merged mount extracts to the same tree as the mount shows.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { MediaType } from '../../src/oci/media-types.js';
import { mountOverlay, unmount, unpackLayer, writeLayerTar, writeTreeTar } from '../../src/snapshot/index.js';
import { craftTar, manifest, scratch, sh, tarNames } from './helpers.js';

const T = 1_600_000_000;
// cap_net_raw+ep, VFS_CAP_REVISION_2
const CAP = Buffer.from('AQAAAiAAAAAAAAAAAAAAAAAAAAA=', 'base64');

async function richLayer(dir: string): Promise<string> {
  const tar = await craftTar(path.join(dir, 'rich.tar'), [
    { path: 'bin/', type: 'Directory', mode: 0o755, mtime: T },
    { path: 'bin/ping', mode: 0o4755, mtime: T + 1, body: 'ping\n', xattrs: new Map([['security.capability', CAP]]) },
    { path: 'bin/ping6', type: 'Link', linkpath: 'bin/ping' },
    { path: 'bin/vi', type: 'SymbolicLink', linkpath: '/usr/bin/vim.tiny' },
    { path: 'bin/rel', type: 'SymbolicLink', linkpath: '../lib/x', xattrs: new Map([['trusted.sym', Buffer.from([0, 1, 2, 255])]]) },
    { path: 'tmp/', type: 'Directory', mode: 0o1777, mtime: 1000 },
    { path: 'home/u/', type: 'Directory', mode: 0o750, uid: 1000, gid: 1000 },
    { path: 'home/u/.profile', mode: 0o600, uid: 1000, gid: 1000, body: 'PS1=$\n' },
    { path: 'home/u/big', mode: 0o640, uid: 70000, gid: 3000000, body: 'z'.repeat(300_000) },
    { path: 'dev/', type: 'Directory', mode: 0o755 },
    { path: 'dev/null', type: 'CharacterDevice', mode: 0o666, devmaj: 1, devmin: 3 },
    { path: 'dev/sda', type: 'BlockDevice', mode: 0o660, gid: 6, devmaj: 8, devmin: 0 },
    { path: 'dev/fifo', type: 'FIFO', mode: 0o600 },
    { path: '.wh.gone' },
    { path: 'o/', type: 'Directory', mode: 0o755 }, { path: 'o/.wh..wh..opq' }, { path: 'o/f' }, { path: 'o/.wh.sub' },
    { path: 'x/', type: 'Directory', mode: 0o700, xattrs: new Map([['user.k', Buffer.from('v=1\nline2')], ['trusted.t', CAP]]) },
    { path: `x/${'long-'.repeat(40)}/file-é名`, mode: 0o2755, gid: 50 },
    { path: 'x/empty', body: '' },
  ]);
  const x = path.join(dir, 'x');
  await unpackLayer({ blobPath: tar, mediaType: MediaType.ociLayer, dest: x, rootless: false });
  return x;
}

async function toFile(file: string, write: (out: NodeJS.WritableStream) => Promise<void>): Promise<string> {
  const out = createWriteStream(file);
  await write(out);
  out.end();
  await finished(out);
  return file;
}

test('unpack(writeLayerTar(x)) reproduces x exactly', async (t) => {
  const dir = await scratch(t);
  const x = await richLayer(dir);
  const before = await manifest(x, { overlayXattrs: true });
  // The roundtrip only means something if x holds what we claim it does.
  for (const want of [
    /^bin\/ping file 4755 0:0 t=1600000001 .* security\.capability=AQAAAiAAAAAAAAAAAAAAAAAAAAA=$/m,
    /^bin\/ping6 file 4755 .* link=bin\/ping /m, /^bin\/vi symlink 777 0:0 -> \/usr\/bin\/vim\.tiny$/m,
    /^dev\/null chardev 666 0:0 t=\d+ 1,3$/m, /^dev\/sda blockdev 660 0:6 t=\d+ 8,0$/m, /^dev\/fifo fifo 600/m,
    /^gone whiteout$/m, /^o dir 755 .* trusted\.overlay\.opaque=eQ==$/m, /^o\/sub whiteout$/m, /^tmp dir 1777 0:0 t=1000$/m,
    /^home\/u\/big file 640 70000:3000000 /m, /^x dir 700 .*trusted\.t=.*user\.k=/m, /file-é名 file 2755 0:50/m,
    /^bin\/rel symlink 777 0:0 -> \.\.\/lib\/x trusted\.sym=AAEC\/w==$/m,
  ]) assert.match(before.join('\n'), want);

  const tar = await toFile(path.join(dir, 'x.tar'), (out) => writeLayerTar({ dir: x, out, rootless: false }));
  const y = path.join(dir, 'y');
  await unpackLayer({ blobPath: tar, mediaType: MediaType.ociLayer, dest: y, rootless: false });
  assert.deepEqual(await manifest(y, { overlayXattrs: true }), before);
});

test('an overlay upperdir roundtrips through writeLayerTar and unpackLayer', async (t) => {
  const dir = await scratch(t);
  const x = await richLayer(dir);
  const [upper, work, m] = ['upper', 'work', 'merged'].map((n) => path.join(dir, n)) as [string, string, string];
  for (const d of [upper, work, m]) await mkdir(d);
  await mountOverlay({ lowers: [x], upper, work, target: m });
  try {
    sh('rm -rf x bin/ping6 && mkdir x && echo new > x/new && touch -d @1700000000 bin/ping && echo more >> home/u/big', m);
  } finally {
    await unmount(m);
  }
  const tar = await toFile(path.join(dir, 'u.tar'), (out) => writeLayerTar({ dir: upper, out, rootless: false }));
  const y = path.join(dir, 'y');
  await unpackLayer({ blobPath: tar, mediaType: MediaType.ociLayer, dest: y, rootless: false });
  // overlay's own bookkeeping (origin, impure) is not part of the layer; the opaque marker is.
  const strip = (lines: string[]): string[] => lines.map((l) => l.replace(/ trusted\.overlay\.(origin|impure)=\S+/g, ''));
  const want = strip(await manifest(upper, { overlayXattrs: true }));
  assert.ok(want.some((l) => /^x dir .*trusted\.overlay\.opaque=eQ==/.test(l)) && want.includes('bin/ping6 whiteout'));
  assert.deepEqual(await manifest(y, { overlayXattrs: true }), want);
});

test('writeTreeTar of a merged mount: relative names, dirs with "/", same tree after extraction', async (t) => {
  const dir = await scratch(t);
  const x = await richLayer(dir);
  const top = await craftTar(path.join(dir, 'top.tar'), [{ path: '.wh.tmp' }, { path: 'bin/', type: 'Directory', mode: 0o755 }, { path: 'bin/.wh..wh..opq' }, { path: 'bin/sh' }]);
  const l2 = path.join(dir, 'l2');
  await unpackLayer({ blobPath: top, mediaType: MediaType.ociLayer, dest: l2, rootless: false });
  const m = path.join(dir, 'merged');
  await mkdir(m);
  await mountOverlay({ lowers: [x, l2], target: m, readonly: true });
  let file: string;
  let want: string[];
  try {
    file = await toFile(path.join(dir, 'tree.tar'), (out) => writeTreeTar({ dir: m, out }));
    want = await manifest(m);
  } finally {
    await unmount(m);
  }
  const names = tarNames(file);
  assert.equal(names[0], 'bin/');
  assert.ok(names.includes('bin/sh') && !names.includes('bin/ping') && !names.some((n) => n.startsWith('tmp')));
  assert.ok(names.every((n) => !n.startsWith('./') && !n.startsWith('/') && !n.includes('.wh.')));
  assert.ok(names.includes('home/u/') && names.includes('dev/null'));
  const z = path.join(dir, 'z');
  await mkdir(z);
  sh(`tar -x --numeric-owner --same-owner -p --xattrs --xattrs-include='*' -f '${file}' -C '${z}'`);
  assert.deepEqual(await manifest(z), want);
});
