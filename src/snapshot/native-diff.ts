/**
 * The "native" snapshotter's diff: a rootfs after the process ran, compared with its recorded state right after
 * materializing (tree-state.ts) -> a marker-format layer dir (overlay-format.ts) holding the changes overlayfs
 * would have left in its upperdir, with OCI markers where overlay has whiteout devices and opaque xattrs:
 * - a new or changed entry is copied (ONE tar pipeline for all, so hardlinks between them survive);
 * - a deleted NAME becomes an empty file `.wh.NAME` beside where it was (mode 0, like a layer tar's markers);
 * - a directory replaced by another directory (or a non-directory replaced by one) holds `.wh..wh..opq`, and
 *   everything in it is new;
 * - every parent of those is in the layer with its metadata (overlay copies parents up); adding markers does not
 *   change a directory's times.
 * No mknod and no xattr of ours: the state dir may be on overlayfs, which refuses both whiteout devices and
 * overlay's xattrs.
 *
 * Deviation from overlay (index=off): editing one name of a lower hardlink copies up only that name in overlay;
 * here every name of the inode counts as changed, which is what the rootfs shows anyway.
 */
import { rm, writeFile } from 'node:fs/promises';
import { lstatSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { copyEntries } from './copy-entries.js';
import { DirTimes } from './dir-times.js';
import { OPAQUE_MARKER, WHITEOUT_PREFIX } from './overlay-format.js';
import { type TreeState, isDirState, sameInode, stateOf, unchanged } from './tree-state.js';
import { byteOrder } from './walk.js';

export interface NativeDiffOptions {
  /** The rootfs the process changed. */
  root: string;
  /** recordTree(root) taken before the process ran. */
  before: TreeState;
  /** An empty dir to fill as a marker-format layer (e.g. a pending layer's diff dir). */
  upper: string;
  /** In a user namespace: trusted.* xattrs are not copied. */
  rootless: boolean;
  signal?: AbortSignal;
}

export interface NativeDiffStats {
  copied: number;
  whiteouts: number;
  opaqueDirs: number;
}

export async function diffToUpper(o: NativeDiffOptions): Promise<NativeDiffStats> {
  const c = compare(o.root, o.before);
  await copyEntries({ from: o.root, to: o.upper, entries: c.entries, rootless: o.rootless, ...(o.signal ? { signal: o.signal } : {}) });
  await writeMarkers(o.upper, c, o.signal);
  return { copied: c.entries.length, whiteouts: c.whiteouts.length, opaqueDirs: c.opaque.length };
}

interface Comparison {
  /** What to copy, pre-order, parents included. */
  entries: string[];
  whiteouts: string[];
  opaque: string[];
}

/** Walk the tree now (pre-order, byte order) against `before`. */
export function compare(root: string, before: TreeState): Comparison {
  const out: Comparison = { entries: [], whiteouts: [], opaque: [] };
  const listed = new Set<string>();
  const include = (rel: string): void => {
    const parts = rel.split('/');
    for (let i = 1; i <= parts.length; i++) {
      const p = parts.slice(0, i).join('/');
      if (!listed.has(p)) { listed.add(p); out.entries.push(p); }
    }
  };
  const rootNow = stateOf(lstatSync(root, { bigint: true }));
  const rootBefore = before.get('');
  if (rootBefore === undefined || !unchanged(rootBefore, rootNow)) { listed.add('.'); out.entries.push('.'); }

  const visit = (rel: string, fresh: boolean): void => {
    const names = readdirSync(path.join(root, rel)).sort(byteOrder);
    for (const name of names) {
      const childRel = rel === '' ? name : `${rel}/${name}`;
      const now = stateOf(lstatSync(path.join(root, childRel), { bigint: true }));
      const old = fresh ? undefined : before.get(childRel);
      const isDir = isDirState(now);
      if (old === undefined || !sameInode(old, now)) {
        include(childRel);
        // A directory where something else was before: overlay made it over a whiteout, i.e. opaque.
        if (isDir && old !== undefined) out.opaque.push(childRel);
        if (isDir) visit(childRel, true);
        continue;
      }
      if (!unchanged(old, now)) include(childRel);
      if (isDir) visit(childRel, false);
    }
    if (fresh) return;
    const present = new Set(names);
    for (const name of before.get(rel)?.children ?? []) {
      if (present.has(name)) continue;
      const gone = rel === '' ? name : `${rel}/${name}`;
      if (rel !== '') include(rel);
      out.whiteouts.push(gone);
    }
  };
  visit('', false);
  return out;
}

/** The whiteout and opaque markers; their parents exist (copied), their times are put back. */
async function writeMarkers(upper: string, c: Comparison, signal?: AbortSignal): Promise<void> {
  const markers = [
    ...c.whiteouts.map((w) => path.posix.join(path.posix.dirname(w), WHITEOUT_PREFIX + path.posix.basename(w))),
    ...c.opaque.map((d) => `${d}/${OPAQUE_MARKER}`),
  ];
  const times = new DirTimes();
  for (const m of markers) await times.remember(path.join(upper, path.posix.dirname(m)));
  for (const m of markers) {
    signal?.throwIfAborted();
    // Something the process itself named `.wh.NAME` is no content a layer can hold: the marker replaces it (rm
    // first, never following a symlink there; parents are real directories: they were walked with lstat).
    await rm(path.join(upper, m), { recursive: true, force: true });
    await writeFile(path.join(upper, m), '', { mode: 0, flag: 'wx' });
  }
  await times.restore();
}
