/**
 * Bytes a tree takes as `du -sb` counts them: the apparent size (st_size) of every entry, directories included,
 * each hard-linked inode once. The GC budget is checked against this number, so it must match what users measure.
 */
import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import { isErrno } from '../errors.js';

/** Sizes of trees measured together share one `seen` set, so a hard link across them counts once (as du does). */
export async function apparentSize(p: string, seen: Set<string> = new Set()): Promise<number> {
  let st;
  try {
    st = await lstat(p, { bigint: false });
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return 0; // removed while we walked (a concurrent build's tmp dir)
    throw e;
  }
  const inode = `${st.dev}:${st.ino}`;
  if (st.nlink > 1 && !st.isDirectory()) {
    if (seen.has(inode)) return 0;
    seen.add(inode);
  }
  let total = st.size;
  if (!st.isDirectory()) return total;
  let names: string[];
  try {
    names = await readdir(p);
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return total;
    throw e;
  }
  for (const name of names) total += await apparentSize(path.join(p, name), seen);
  return total;
}
