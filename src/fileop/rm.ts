/**
 * The rm action (BuildKit rmPath): parents are resolved in root following symlinks, the last component is
 * not, so removing a symlink removes the link and never its target. With allowWildcard the path is
 * expanded first (no match removes nothing). Deviation: "not found" is decided with lstat, so a dangling
 * symlink counts as existing (BuildKit's os.Stat calls it missing).
 */
import { lstat, rm as fsRm } from 'node:fs/promises';
import path from 'node:path';
import { FileOpError, isErrno } from '../errors.js';
import { resolveInRoot } from '../snapshot/chroot-path.js';
import { cleanAbs } from './paths.js';
import { resolveWildcards } from './wildcards.js';

export async function rm(opts: { root: string; path: string; allowNotFound: boolean; allowWildcard: boolean }): Promise<void> {
  const paths = opts.allowWildcard ? await resolveWildcards(opts.root, opts.path, false) : [opts.path];
  for (const p of paths) await rmPath(opts.root, p, opts.allowNotFound);
}

async function rmPath(root: string, p: string, allowNotFound: boolean): Promise<void> {
  const src = cleanAbs(p);
  if (src === '/') throw new FileOpError('rm /: refusing to remove the root directory');
  const dir = await resolveInRoot(root, path.posix.dirname(src));
  const target = path.join(dir, path.posix.basename(src));
  try {
    await lstat(target);
  } catch (e) {
    if (!(isErrno(e, 'ENOENT') || isErrno(e, 'ENOTDIR'))) throw e;
    if (allowNotFound) return;
    throw new FileOpError(`${JSON.stringify(src)}: not found`);
  }
  await fsRm(target, { recursive: true, force: true });
}
