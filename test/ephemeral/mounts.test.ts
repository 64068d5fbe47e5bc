/**
 * MountTracker.withMerged with both snapshotters: the same writable request leaves the same upper; native makes
 * no copy where none is needed and removes its copies, also when fn throws; overlayfs mounts and unmounts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { MountTracker } from '../../src/ephemeral/mounts.js';
import { layerFormatOf, type SnapshotterName } from '../../src/snapshot/index.js';
import { markersAsOverlay } from '../snapshot/native-compare.js';
import { manifest, scratch, sh } from '../snapshot/helpers.js';

function tracker(dir: string, snapshotter: SnapshotterName): MountTracker {
  return new MountTracker({ mountRoot: path.join(dir, 'mnt'), rootless: false, snapshotter, copyRoot: path.join(dir, 'copies') });
}

/** Two layers; the top one deletes etc/b, with a whiteout device (overlay format) or `.wh.b` (marker format). */
async function layers(dir: string, format: 'overlay' | 'oci'): Promise<string[]> {
  const l1 = path.join(dir, `${format}-l1`);
  const l2 = path.join(dir, `${format}-l2`);
  const wh = format === 'overlay' ? `mknod '${l2}/etc/b' c 0 0` : `: > '${l2}/etc/.wh.b'`;
  sh(`mkdir -p '${l1}/etc' '${l2}/etc' && echo 1 > '${l1}/etc/a' && echo 2 > '${l1}/etc/b' && echo 3 > '${l2}/etc/c' && ${wh}`);
  return [l1, l2];
}

test('withMerged: a writable request leaves the same upper with overlayfs and native', async (t) => {
  const dir = await scratch(t);
  const uppers: string[][] = [];
  for (const name of ['overlayfs', 'native'] as const) {
    const lowers = await layers(dir, layerFormatOf(name));
    const upper = path.join(dir, `${name}-upper`);
    const work = path.join(dir, `${name}-work`);
    await Promise.all([mkdir(upper), mkdir(work)]);
    const seen = await tracker(dir, name).withMerged({ lowers, upper, work }, async (root) => {
      const before = (await readdir(path.join(root, 'etc'))).sort();
      await writeFile(path.join(root, 'etc/a'), 'changed\n');
      sh(`rm '${root}/etc/c' && touch -d @1700000000 '${root}/etc/a' '${root}/etc'`);
      return before;
    });
    assert.deepEqual(seen, ['a', 'c'], `${name}: fn saw the merged lowers`);
    uppers.push(await manifest(upper));
  }
  assert.deepEqual(uppers[1]!.map((l) => l.split(' ').slice(0, 3).join(' ')), ['etc dir 755', 'etc/.wh.c file 0', 'etc/a file 644'], 'native: a marker');
  assert.deepEqual(markersAsOverlay(uppers[1]!), uppers[0]);
  assert.deepEqual(uppers[0]!.map((l) => l.split(' ').slice(0, 2).join(' ')), ['etc dir', 'etc/a file', 'etc/c whiteout']);
  assert.deepEqual(await readdir(path.join(dir, 'copies')), [], 'the native copy is gone');
});

test('withMerged native: no copy for 0 or 1 read-only lowers (without markers) or a scratch upper; copies removed when fn throws', async (t) => {
  const dir = await scratch(t);
  const [l1, l2] = await layers(dir, 'oci');
  const m = tracker(dir, 'native');
  assert.equal(await m.withMerged({ lowers: [l1!], readonly: true }, async (root) => root), l1);
  const alone = await m.withMerged({ lowers: [l2!], readonly: true }, async (root) => ({ root, names: (await readdir(path.join(root, 'etc'))).sort() }));
  assert.notEqual(alone.root, l2, 'a layer with markers is materialized even alone');
  assert.deepEqual(alone.names, ['c'], 'and its markers are not shown');
  assert.deepEqual(await m.withMerged({ lowers: [], readonly: true }, async (root) => readdir(root)), []);
  const upper = path.join(dir, 'scratch-upper');
  await mkdir(upper);
  assert.equal(await m.withMerged({ lowers: [], upper }, async (root) => root), upper);
  const merged = await m.withMerged({ lowers: [l1!, l2!], readonly: true }, async (root) => {
    assert.ok(root.startsWith(path.join(dir, 'copies') + '/'));
    return { names: (await readdir(path.join(root, 'etc'))).sort(), c: await readFile(path.join(root, 'etc/c'), 'utf8') };
  });
  assert.deepEqual(merged, { names: ['a', 'c'], c: '3\n' });
  await assert.rejects(m.withMerged({ lowers: [l1!, l2!], upper: path.join(dir, 'never') }, async () => { throw new Error('boom'); }), /boom/);
  assert.deepEqual(await readdir(path.join(dir, 'copies')), []);
});
