/**
 * A cheap fingerprint of a cache mount's data dir, so an export reuses the blob it made last time only while the
 * dir is unchanged (getLayerBlob keys its blob records by it). Metadata only, no content read: every entry's path,
 * type, mode, owner, size, inode, mtime and ctime, plus the root's own stat. Writing a file, or changing its mode,
 * owner or xattrs, moves its ctime (the kernel sets it; a user cannot set it back), and adding, removing or
 * renaming an entry moves its directory's; so any change gives another fingerprint. A false "changed" only costs
 * one more compression.
 */
import { createHash } from 'node:crypto';
import { lstat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { walkTree } from '../../snapshot/walk.js';

export async function dirFingerprint(dir: string): Promise<string> {
  const h = createHash('sha256');
  const add = (rel: string, st: Stats): void => {
    h.update(`${JSON.stringify(rel)} ${st.mode} ${st.uid}:${st.gid} ${st.size} ${st.ino} ${st.mtimeMs} ${st.ctimeMs}\n`);
  };
  add('.', await lstat(dir));
  for await (const e of walkTree(dir)) add(e.rel, e.st);
  return h.digest('hex');
}
