/**
 * The native snapshotter against overlayfs, as root and in a user namespace: materialize() of the layers in marker
 * format (and in overlay format) shows what an overlay mount of the same layers shows (and writes nothing through
 * symlinks), and diffToUpper() leaves the upper that overlayfs leaves for the same script of changes (names, types,
 * modes, owners, times, content, hardlinks, whiteouts, opaque flags), in marker format: no whiteout device, no
 * overlay xattr.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { diffToUpper, materialize, recordTree } from '../../src/snapshot/native.js';
import { compareMerged, compareUppers, makeLayers } from './native-compare.js';
import { manifest, scratch, sh } from './helpers.js';

const child = fileURLToPath(new URL('./native-child.js', import.meta.url));

/** A native upper as it is on disk: markers as empty mode-0 files, no whiteout device, no overlay xattr. */
function assertMarkerFormat(raw: string[]): void {
  const has = (name: string): string | undefined => raw.find((l) => l.split(' ')[0] === name);
  for (const w of ['.wh.b', '.wh.dd', 'd/.wh.y', 'd/.wh.sub']) assert.match(has(w) ?? `${w} missing`, / file 0 0:0 t=\d+ 0 e3b0c44298fc1c14$/, raw.join('\n'));
  for (const o of ['t1/.wh..wh..opq', 't2/.wh..wh..opq']) assert.match(has(o) ?? `${o} missing`, / file 0 /);
  assert.deepEqual(raw.filter((l) => / (whiteout|chardev) /.test(` ${l} `) || l.includes('.overlay.')), []);
}

test('materialize as root = the overlay mount of the same layers; nothing lands outside', async (t) => {
  const dir = await scratch(t);
  const s = makeLayers(dir, { rootless: false, id: 1234 });
  const r = await compareMerged(dir, s, false);
  assert.deepEqual(r.native, r.overlay);
  assert.deepEqual(r.nativeOverlay, r.overlay, 'overlay-format layers (opaqueXattrs) merge the same');
  assert.deepEqual(r.outside, [], 'nothing was written through the symlink that pointed outside');
  assert.ok(r.native.every((l) => !l.includes('.wh.')), 'no marker in the merged view');
  // Spot checks that the comparison covers what it should.
  const has = (prefix: string): string | undefined => r.native.find((l) => l.startsWith(prefix + ' '));
  assert.equal(has('a')?.split(' ')[1], 'file');
  assert.match(has('a')!, / 3 /, 'a re-added by the top layer after a whiteout');
  assert.equal(has('o'), undefined, 'a whited-out dir is gone');
  assert.deepEqual(r.native.filter((l) => l.startsWith('d/')).map((l) => l.split(' ')[0]), ['d/new', 'd/sub', 'd/sub/z3', 'd/y']);
  assert.match(has('evil')!, /^evil dir /, 'a dir replaced the symlink');
  assert.match(has('t1')!, /^t1 dir /);
  assert.match(has('t2')!, /^t2 file /);
  assert.match(has('keep/f')!, / 640 1234:1234 /);
  assert.match(has('hl2')!, /^hl2 file /);
  assert.match(has('n2')!, /link=n1/, 'hardlinks inside a layer survive');
  assert.match(has('b')!, /user\.k=djE=/, 'user xattrs copied');
});

test('diff as root = the upperdir overlayfs leaves for the same changes', async (t) => {
  const dir = await scratch(t);
  const s = makeLayers(dir, { rootless: false, id: 1234 });
  const r = await compareUppers(dir, s, { rootless: false, id: 42 });
  assert.deepEqual(r.native, r.overlay);
  assertMarkerFormat(r.nativeRaw);
  const has = (name: string): string | undefined => r.native.find((l) => l.split(' ')[0] === name);
  // What the comparison must contain for it to mean anything.
  for (const w of ['b', 'dd', 'd/y', 'd/sub']) assert.equal(has(w), `${w} whiteout`);
  assert.match(has('t1')!, /^t1 dir .* opaque$/, 'a dir replaced by a dir is opaque');
  assert.match(has('t2')!, /^t2 dir .* opaque$/, 'a file replaced by a dir is opaque');
  assert.match(has('dirx')!, /^dirx file /);
  assert.match(has('added-link')!, /link=added/);
  assert.match(has('hl3')!, /link=hl2/, 'a new link to a lower file brings the file along, linked');
  assert.match(has('a')!, /^a file 644 42:42 /);
  assert.match(has('keep/f')!, /^keep\/f file 600 1234:1234 /);
  assert.match(has('deep/a/b')!, /t=old\+0/, 'an untouched parent keeps its time');
  assert.match(has('dd2/inner')!, /^dd2\/inner dir 700 /);
  assert.match(has('xf')!, /user\.k=djI=/);
  assert.equal(has('fifo'), undefined, 'unchanged entries are not copied');
});

test('materialize and diff in a user namespace (user.overlay.opaque, userxattr) = overlayfs', () => {
  const out = execFileSync('unshare', ['--user', '--map-root-user', '--mount', process.execPath, child], { encoding: 'utf8' });
  const r = JSON.parse(out) as {
    merged: { overlay: string[]; native: string[]; nativeOverlay: string[]; outside: string[] };
    uppers: { overlay: string[]; native: string[]; nativeRaw: string[] };
  };
  assert.deepEqual(r.merged.native, r.merged.overlay);
  assert.deepEqual(r.merged.nativeOverlay, r.merged.overlay);
  assert.deepEqual(r.merged.outside, []);
  assert.deepEqual(r.uppers.native, r.uppers.overlay);
  assertMarkerFormat(r.uppers.nativeRaw);
  assert.ok(r.uppers.native.some((l) => /^t1 dir .* opaque$/.test(l)), r.uppers.native.join('\n'));
  assert.ok(r.uppers.native.includes('d/y whiteout'));
});

test('diff: nothing changed -> empty upper; a file edited in place keeps its parents', async (t) => {
  const dir = await scratch(t);
  const layer = path.join(dir, 'layer');
  sh(`mkdir -p '${layer}/x/y' && echo 1 > '${layer}/x/y/f' && echo 2 > '${layer}/g'`);
  const rootfs = path.join(dir, 'rootfs');
  await materialize({ layers: [layer], dest: rootfs, rootless: false });
  const before = recordTree(rootfs);
  const empty = path.join(dir, 'empty');
  await mkdir(empty);
  assert.deepEqual(await diffToUpper({ root: rootfs, before, upper: empty, rootless: false }), { copied: 0, whiteouts: 0, opaqueDirs: 0 });
  assert.deepEqual(await manifest(empty), []);

  await writeFile(path.join(rootfs, 'x/y/f'), 'changed\n');
  const upper = path.join(dir, 'upper');
  await mkdir(upper);
  await diffToUpper({ root: rootfs, before, upper, rootless: false });
  assert.deepEqual((await manifest(upper, { mtimes: false })).map((l) => l.split(' ').slice(0, 2).join(' ')), ['x dir', 'x/y dir', 'x/y/f file']);
});

test('materialize: a marker applies to the layers below only, never to its own layer', async (t) => {
  const dir = await scratch(t);
  const [l0, l1] = [path.join(dir, 'l0'), path.join(dir, 'l1')];
  sh(`mkdir -p '${l0}/x' '${l0}/keep' && echo old > '${l0}/x/old' && echo old > '${l0}/f' && echo k > '${l0}/keep/k'`);
  // l1 deletes x and f from below and brings its own; `.wh.` names that delete nothing are skipped.
  sh(`mkdir -p '${l1}/x' '${l1}/keep' && echo new > '${l1}/x/new' && echo new > '${l1}/f' && cd '${l1}' && : > .wh.x && : > .wh.f && : > .wh..wh..opq-not && : > keep/.wh.absent`);
  const dest = path.join(dir, 'dest');
  await materialize({ layers: [l0, l1], dest, rootless: false });
  assert.deepEqual((await manifest(dest, { mtimes: false })).map((l) => l.split(' ').slice(0, 2).join(' ')),
    ['f file', 'keep dir', 'keep/k file', 'x dir', 'x/new file']);
  assert.equal(sh(`cat '${dest}/f'`), 'new\n');
  // A marker-only bottom layer: nothing to delete, nothing copied.
  const dest2 = path.join(dir, 'dest2');
  await materialize({ layers: [l1], dest: dest2, rootless: false });
  assert.ok((await manifest(dest2)).every((l) => !l.includes('.wh.')));
});
