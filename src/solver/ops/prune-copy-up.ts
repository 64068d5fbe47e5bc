/**
 * After a RUN, overlayfs leaves directories in the upperdir that were only copied up (e.g. /etc, because runc
 * created and we removed the /etc/hosts stub in it). They carry no change, and BuildKit's overlay differ does not
 * put them in the layer. Remove each upper dir that ends up empty and matches the directory below it in the
 * lowers (type, mode, owner; not mtime: creating and removing a stub inside it moved that), deepest first.
 * Runs on the unmounted upperdir only.
 */
import { lstat, readdir, rmdir } from 'node:fs/promises';
import path from 'node:path';
import type { Stats } from 'node:fs';
import { isErrno } from '../../errors.js';

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
  const below = await lowerEntry(lowers, rel);
  if (!below || !sameDir(mine, below)) return false;
  await rmdir(dir);
  return true;
}

async function lowerEntry(lowers: readonly string[], rel: string): Promise<Stats | undefined> {
  for (const l of lowers) {
    try {
      return await lstat(path.join(l, rel));
    } catch (e) {
      if (isErrno(e, 'ENOENT') || isErrno(e, 'ENOTDIR')) continue;
      throw e;
    }
  }
  return undefined;
}

function sameDir(a: Stats, b: Stats): boolean {
  return b.isDirectory() && a.mode === b.mode && a.uid === b.uid && a.gid === b.gid;
}
