/**
 * runc creates an empty file or directory (and missing parents) for every mount destination that does not exist
 * in the rootfs: /proc, /dev, /sys, /etc/hosts, /etc/resolv.conf, bind targets. They must not end up in the
 * layer. Before the run we note which host paths are missing; after it we remove those that now exist and are
 * still empty, deepest first. Through an overlay merged dir this deletes them from the upper dir without a
 * whiteout, because nothing existed below.
 *
 * As BuildKit (executor/stubs.go, moby/buildkit#3148), the parent's atime/mtime are put back after each removal,
 * so removing a stub does not count as a change of the directory.
 *
 * Destinations are resolved like runc does (securejoin: symlinks followed inside the rootfs), so a stub made at a
 * symlink's target is found too.
 */
import { lstat, readdir, rmdir, stat, unlink, utimes } from 'node:fs/promises';
import path from 'node:path';
import { isErrno } from '../errors.js';
import { resolveInRoot } from '../snapshot/chroot-path.js';

/** Host paths under rootfs that do not exist now but may be created as mount points. */
export async function missingMountPoints(rootfs: string, destinations: string[]): Promise<string[]> {
  const root = path.resolve(rootfs);
  const missing = new Set<string>();
  for (const dest of destinations) {
    let p: string = await resolveInRoot(root, dest);
    while (p !== root && !missing.has(p) && !(await exists(p))) {
      missing.add(p);
      p = path.dirname(p);
    }
  }
  return [...missing];
}

/** Remove the noted paths that are empty files or empty dirs now; deepest first so parents empty out. */
export async function removeMountStubs(paths: string[]): Promise<void> {
  const byDepth = [...paths].sort((a, b) => b.split('/').length - a.split('/').length);
  for (const p of byDepth) {
    let st;
    try {
      st = await lstat(p);
    } catch (e) {
      if (isErrno(e, 'ENOENT') || isErrno(e, 'ENOTDIR')) continue;
      throw e;
    }
    try {
      const isStub = st.isDirectory() ? (await readdir(p)).length === 0 : st.isFile() && st.size === 0;
      if (!isStub) continue;
      const parent = await stat(path.dirname(p));
      await (st.isDirectory() ? rmdir(p) : unlink(p));
      await utimes(path.dirname(p), parent.atimeMs / 1000, parent.mtimeMs / 1000); // seconds, sub-µs lost
    } catch (e) {
      // Something was written there meanwhile: it is content, not a stub.
      if (isErrno(e, 'ENOTEMPTY') || isErrno(e, 'ENOENT')) continue;
      throw e;
    }
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await lstat(p);
    return true;
  } catch (e) {
    if (isErrno(e, 'ENOENT') || isErrno(e, 'ENOTDIR')) return false;
    throw e;
  }
}
