/**
 * Container-path helpers shared by the file actions. Every host path handed to fs.* comes from
 * resolveInRoot (src/snapshot/chroot-path.ts) plus names we read from a directory we lstat'ed as a real
 * directory, so no symlink is ever traversed outside a root.
 */
import path from 'node:path';
import { resolveInRoot, type RootedPath } from '../snapshot/chroot-path.js';

/**
 * BuildKit's cleanPath: an absolute, lexically clean path that keeps a trailing "/" or "/." because
 * they mean "into this directory" for a copy destination.
 */
export function cleanPath(p: string): string {
  const cleaned = path.posix.join('/', p);
  if (p.endsWith('/.')) return cleaned === '/' ? '/.' : cleaned + '/.';
  if (p.endsWith('/') && cleaned !== '/') return cleaned + '/';
  return cleaned;
}

/** Lexically clean absolute path without any trailing slash. */
export function cleanAbs(p: string): string {
  const c = path.posix.join('/', p);
  return c.length > 1 && c.endsWith('/') ? c.slice(0, -1) : c;
}

/**
 * fsutil's rootPath: resolve a container path in root; the last component is followed only when
 * followLinks (parents always are). The path is cleaned first, like continuity's RootPath.
 */
export function rootPath(root: string, p: string, followLinks: boolean): Promise<RootedPath> {
  return resolveInRoot(root, cleanAbs(p), { followFinal: followLinks });
}

/** The container path of a host path below root ("/" for root itself). */
export function containerPathOf(root: string, host: string): string {
  const rel = path.relative(path.resolve(root), host);
  return '/' + rel.split(path.sep).filter((c) => c !== '').join('/');
}
