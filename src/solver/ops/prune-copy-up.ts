/**
 * After a RUN, overlayfs leaves directories in the upperdir that were only copied up (e.g. /etc, because runc
 * created and we removed the /etc/hosts stub in it). They carry no change, and BuildKit's overlay differ does not
 * put them in the layer. Remove each upper dir that ends up empty and matches the directory below it in the
 * lowers (type, mode, owner; not mtime: creating and removing a stub inside it moved that) and is not opaque,
 * deepest first.
 * Runs on the unmounted upperdir only. A directory that holds only whiteout markers (native snapshotter) is not
 * empty. "The directory below" is what the lowers show there: one deleted by a whiteout or hidden by an opaque
 * parent in a higher lower does not count (snapshot/layer-lookup.ts).
 */
import { lstat, readdir, rmdir } from 'node:fs/promises';
import path from 'node:path';
import type { Stats } from 'node:fs';
import { lookupInLayers } from '../../snapshot/layer-lookup.js';
import { isOpaqueValue, opaqueXattr } from '../../snapshot/overlay-format.js';
import { readXattrTree } from '../../snapshot/xattrs.js';

export async function pruneCopiedUpDirs(upper: string, lowersTopFirst: readonly string[]): Promise<void> {
  await pruneDir(upper, '', lowersTopFirst);
}

async function pruneDir(upper: string, rel: string, lowers: readonly string[]): Promise<boolean> {
  const dir = path.join(upper, rel);
  let empty = true;
  for (const ent of await readdir(dir, { withFileTypes: true })) {
    if (!ent.isDirectory() || !(await pruneDir(upper, path.join(rel, ent.name), lowers))) empty = false;
  }
  if (rel === '' || !empty) return false;
  const mine = await lstat(dir);
  const below = lookupInLayers(lowers, rel);
  if (!below || !sameDir(mine, below) || (await isOpaque(dir))) return false;
  await rmdir(dir);
  return true;
}

/**
 * An empty dir overlay marked opaque (`rm -rf d && mkdir d`) hides the lower content: it is a change. One
 * getfattr for each candidate only (an empty dir matching the one below), which is rare.
 */
async function isOpaque(dir: string): Promise<boolean> {
  const own = (await readXattrTree(dir)).get('.');
  return isOpaqueValue(own?.get(opaqueXattr(false))) || isOpaqueValue(own?.get(opaqueXattr(true)));
}

function sameDir(a: Stats, b: Stats): boolean {
  return b.isDirectory() && a.mode === b.mode && a.uid === b.uid && a.gid === b.gid;
}
