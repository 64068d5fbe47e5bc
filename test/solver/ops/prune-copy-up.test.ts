/**
 * pruneCopiedUpDirs on hand-made uppers over lowers of both layer formats: an empty dir that only mirrors the dir
 * below goes; one whose lower counterpart a higher lower deleted or hid, one holding only markers, and an empty
 * opaque one stay.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { pruneCopiedUpDirs } from '../../../src/solver/ops/prune-copy-up.js';
import { manifest, scratch, sh } from '../../snapshot/helpers.js';

test('prune keeps what differs from the lowers as they show, in either layer format', async (t) => {
  const dir = await scratch(t);
  const [bottom, top, upper] = ['bottom', 'top', 'upper'].map((n) => path.join(dir, n)) as [string, string, string];
  sh(`mkdir -p ${['same', 'gone', 'gonedev', 'hidden/in', 'markers', 'opq', 'deep/a'].map((d) => `'${bottom}/${d}'`).join(' ')}`);
  // top: deletes gone (marker) and gonedev (device), hides hidden/ (opaque marker).
  sh(`mkdir -p '${top}/hidden' && : > '${top}/.wh.gone' && mknod '${top}/gonedev' c 0 0 && : > '${top}/hidden/.wh..wh..opq'`);
  // upper: empty dirs at each of those paths (made by the RUN: same mode/owner as the old ones), plus others.
  sh(`mkdir -p ${['same', 'gone', 'gonedev', 'hidden/in', 'markers', 'opq', 'deep/a'].map((d) => `'${upper}/${d}'`).join(' ')}`);
  sh(`: > '${upper}/markers/.wh.f' && setfattr -n trusted.overlay.opaque -v y '${upper}/opq'`);
  await pruneCopiedUpDirs(upper, [top, bottom]);
  assert.deepEqual((await manifest(upper, { mtimes: false })).map((l) => l.split(' ')[0]), [
    'gone', 'gonedev', 'hidden', 'hidden/in', 'markers', 'markers/.wh.f', 'opq',
  ]);
});
