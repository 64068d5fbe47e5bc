/**
 * The "native" snapshotter's diff: a rootfs after the process ran, compared with its recorded state right after
 * materializing (tree-state.ts) -> an overlay-format layer dir, equal to what overlayfs would have left in its
 * upperdir for the same changes:
 * - a new or changed entry is copied (ONE tar pipeline for all, so hardlinks between them survive);
 * - a deleted path becomes a whiteout (char device 0:0; all of them hardlinks of one, as overlay's own);
 * - a directory replaced by another directory (or a non-directory replaced by one) becomes opaque, and
 *   everything in it is new;
 * - every parent of those is in the upper with its metadata (overlay copies parents up).
 *
 * Deviation from overlay (index=off): editing one name of a lower hardlink copies up only that name in overlay;
 * here every name of the inode counts as changed, which is what the rootfs shows anyway.
 */
import { randomBytes } from 'node:crypto';
import { link, lstat, unlink, utimes } from 'node:fs/promises';
import { lstatSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { isErrno } from '../errors.js';
import { copyEntries } from './copy-entries.js';
import { opaqueXattr } from './overlay-format.js';
import { run } from './proc.js';
import { type TreeState, isDirState, sameInode, stateOf, unchanged } from './tree-state.js';
import { byteOrder } from './walk.js';
import { restoreXattrs } from './xattrs.js';

export interface NativeDiffOptions {
  /** The rootfs the process changed. */
  root: string;
  /** recordTree(root) taken before the process ran. */
  before: TreeState;
  /** An empty overlay-format layer dir to fill (e.g. a pending layer's diff dir). */
  upper: string;
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
  if (c.whiteouts.length > 0) {
    const times = await dirTimes(o.upper, ['', ...c.whiteouts.map((w) => path.posix.dirname(w))]);
    await linkWhiteouts(o.upper, c.whiteouts, o.signal);
    for (const [abs, t] of times) await utimes(abs, t.atime, t.mtime);
  }
  const value = new Map([[opaqueXattr(o.rootless), Buffer.from('y')]]);
  await restoreXattrs(o.upper, c.opaque.map((d) => [d, value]));
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

/** (atime, mtime) of dirs under root, to put back after adding whiteouts in them. */
async function dirTimes(root: string, rels: string[]): Promise<Map<string, { atime: number; mtime: number }>> {
  const result = new Map<string, { atime: number; mtime: number }>();
  for (const rel of new Set(rels.map((r) => (r === '.' ? '' : r)))) {
    const abs = path.join(root, rel);
    const st = await lstat(abs, { bigint: true });
    // Seconds as a double: sub-microsecond resolution, below what a layer tar records.
    result.set(abs, { atime: Number(st.atimeNs) / 1e9, mtime: Number(st.mtimeNs) / 1e9 });
  }
  return result;
}

/**
 * Create each whiteout as a hardlink of one char device 0:0 (a new one when the link count runs out): one mknod
 * process whatever the number of deletions. Parents exist: they were copied.
 */
async function linkWhiteouts(upper: string, targets: readonly string[], signal?: AbortSignal): Promise<void> {
  const protos: string[] = [];
  const newProto = async (): Promise<string> => {
    const p = path.join(upper, `.native-whiteout-${randomBytes(8).toString('hex')}`);
    await run('mknod', ['-m', '000', p, 'c', '0', '0'], signal ? { signal } : {});
    protos.push(p);
    return p;
  };
  try {
    let proto = await newProto();
    for (const t of targets) {
      try {
        await link(proto, path.join(upper, t));
      } catch (e) {
        if (!isErrno(e, 'EMLINK')) throw e;
        proto = await newProto();
        await link(proto, path.join(upper, t));
      }
    }
  } finally {
    for (const p of protos) await unlink(p);
  }
}
