/**
 * Path resolution "as in a chroot": every path that comes from a layer, a build context, a Dockerfile or an
 * archive is resolved against a root directory the way the kernel would after chroot(root): `..` stops at the
 * root and symlinks (absolute or relative) are followed inside the root. The result is always root itself or a
 * path below it, so writing to it can never touch the host outside the root.
 *
 * The contract assumes nothing else modifies the tree under root while we resolve (true for our snapshots: no
 * container runs while a file op works on them).
 */
import { lstat, readlink } from 'node:fs/promises';
import path from 'node:path';
import { LayerError, isErrno } from '../errors.js';

/** A host path proven to lie inside a snapshot root. Only resolveInRoot makes these. */
export type RootedPath = string & { readonly __rooted: unique symbol };

const MAX_SYMLINKS = 255; // Linux's MAXSYMLINKS is 40 per lookup; 255 matches BuildKit's continuity/fs limit

export interface ResolveOptions {
  /** Follow a symlink in the last component (like stat vs lstat). Default true. */
  followFinal?: boolean;
}

/**
 * Resolve `p` (absolute or relative to "/" of the root) inside `root`. Components that do not exist are
 * appended lexically, so the result can be used to create them.
 */
export async function resolveInRoot(root: string, p: string, opts: ResolveOptions = {}): Promise<RootedPath> {
  const followFinal = opts.followFinal ?? true;
  const base = path.resolve(root);
  let pending = splitComponents(p);
  const done: string[] = [];
  let hops = 0;
  while (pending.length > 0) {
    const comp = pending.shift()!;
    if (comp === '..') { done.pop(); continue; }
    const host = path.join(base, ...done, comp);
    const isFinal = pending.length === 0;
    let st;
    try {
      st = await lstat(host);
    } catch (e) {
      // A missing component is taken as a plain directory; later `..` still applies (continuity's RootPath).
      if (isErrno(e, 'ENOENT') || isErrno(e, 'ENOTDIR')) { done.push(comp); continue; }
      throw e;
    }
    if (!st.isSymbolicLink() || (isFinal && !followFinal)) { done.push(comp); continue; }
    if (++hops > MAX_SYMLINKS) throw new LayerError(`too many levels of symbolic links resolving ${p}`);
    const target = await readlink(host);
    if (target.startsWith('/')) done.length = 0;
    pending = [...splitComponents(target), ...pending];
  }
  return path.join(base, ...done) as RootedPath;
}

/** Lexically clean a container path to its components, dropping "" and ".". Keeps "..". */
export function splitComponents(p: string): string[] {
  return p.split('/').filter((c) => c !== '' && c !== '.');
}

/** Lexical clean of an absolute container path ("/a/../b/" -> "/b"), as Go's path.Clean on "/"+p. */
export function cleanContainerPath(p: string): string {
  return path.posix.normalize('/' + p).replace(/\/+$/, '') || '/';
}
