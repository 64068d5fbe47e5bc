/**
 * One walked file -> its tar entry: numeric owners (no names, so the result does not depend on the host's
 * /etc/passwd), permission bits incl. setuid/setgid/sticky, whole-second mtimes, symlink targets verbatim,
 * device numbers, hardlinks to the first path of an inode, and xattrs minus overlayfs's own.
 */
import { readlink } from 'node:fs/promises';
import type { WalkEntry } from './walk.js';
import type { EntryType, TarEntry } from './tar-writer.js';
import { isOverlayXattr } from './overlay-format.js';
import type { XattrSet } from './xattrs.js';

export interface EntryContext {
  /** First tar path of every multiply-linked inode seen so far ("dev:ino" -> path). */
  links: Map<string, string>;
  xattrs: Map<string, XattrSet>;
  /** Clamp mtimes to this (SOURCE_DATE_EPOCH). */
  maxMtime?: number;
}

/** The entry for `e`, or undefined for what tar cannot hold (sockets). Hardlink detection happens here. */
export async function tarEntryFor(e: WalkEntry, ctx: EntryContext): Promise<TarEntry | undefined> {
  const { st } = e;
  const base = {
    path: e.rel, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid,
    mtime: clampMtime(Math.floor(st.mtimeMs / 1000), ctx.maxMtime),
    xattrs: layerXattrs(ctx.xattrs.get(e.rel)),
  };
  if (st.isDirectory()) return { ...base, path: `${e.rel}/`, type: 'Directory' };
  if (st.isSocket()) return undefined;
  if (st.nlink > 1) {
    const key = `${st.dev}:${st.ino}`;
    const first = ctx.links.get(key);
    if (first !== undefined) return { ...base, type: 'Link', linkpath: first };
    ctx.links.set(key, e.rel);
  }
  if (st.isFile()) return { ...base, type: 'File', size: st.size };
  if (st.isSymbolicLink()) return { ...base, type: 'SymbolicLink', linkpath: await readlink(e.abs) };
  if (st.isFIFO()) return { ...base, type: 'FIFO' };
  const type: EntryType = st.isCharacterDevice() ? 'CharacterDevice' : 'BlockDevice';
  return { ...base, type, ...splitDev(st.rdev) };
}

export function clampMtime(mtime: number, max: number | undefined): number {
  return max !== undefined && mtime > max ? max : mtime;
}

function layerXattrs(all: XattrSet | undefined): XattrSet | undefined {
  if (all === undefined) return undefined;
  const kept = new Map([...all].filter(([k]) => !isOverlayXattr(k)));
  return kept.size > 0 ? kept : undefined;
}

/** glibc's major()/minor() of a dev_t. */
export function splitDev(rdev: number): { devmaj: number; devmin: number } {
  const lo = rdev % 2 ** 32;
  const hi = Math.floor(rdev / 2 ** 32);
  const devmaj = (((lo >>> 8) & 0xfff) | (hi & 0xfffff000)) >>> 0;
  const devmin = ((lo & 0xff) | ((lo >>> 12) & 0xfff00) | ((hi & 0xfff) << 20)) >>> 0;
  return { devmaj, devmin };
}
