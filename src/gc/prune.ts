/**
 * Remove cache records: `buildctl prune` and the GC at the end of a build. Order: records no key names first
 * (nothing can hit them), then least recently used. With a byte budget, removal stops as soon as the whole
 * state dir, measured as `du -sb` would (metadata included), is within it.
 *
 * Consistency: before a layer goes, every key record naming it is removed; then the layer dir is renamed into
 * tmp/ (it leaves layers/ in one step) and deleted. A crash between the two leaves an unreferenced layer, never
 * a key record that points at a missing layer.
 */
import { mkdir, mkdtemp, rename, rm, unlink } from 'node:fs/promises';
import path from 'node:path';
import { isErrno } from '../errors.js';
import type { StateDir } from '../cache/state-dir.js';
import { ownedTempPrefix } from '../cache/tmp-sweep.js';
import { apparentSize } from './disk-size.js';
import { matchesAll, type RecordFilter } from './filter.js';
import { keysNaming, readKeyIndex } from './key-index.js';
import { listRecords, type UsageRecord } from './records.js';

export interface PruneOptions {
  /** Also internal records (memos). */
  readonly all?: boolean;
  /** Keep records used within this many ms. */
  readonly keepDurationMs?: number;
  /** Stop once the state dir takes at most this many bytes on disk. */
  readonly keepBytes?: number;
  readonly filters?: readonly RecordFilter[];
  readonly now?: Date;
  /** Called after each record is removed. */
  readonly onRemoved?: (r: UsageRecord) => void;
}

export interface PruneResult {
  readonly removed: UsageRecord[];
  /** The state dir's size on disk afterwards (du -sb). */
  readonly diskBytes: number;
}

export async function pruneStateDir(state: StateDir, opts: PruneOptions): Promise<PruneResult> {
  const now = opts.now ?? new Date();
  const index = await readKeyIndex(state);
  const records = await listRecords(state, index.referenced);
  const candidates = records
    .filter((r) => opts.all === true || r.type !== 'internal')
    .filter((r) => opts.keepDurationMs === undefined || now.getTime() - r.lastUsedAt.getTime() > opts.keepDurationMs)
    .filter((r) => matchesAll(opts.filters ?? [], r, now))
    .sort((a, b) => Number(a.referenced) - Number(b.referenced) || a.lastUsedAt.getTime() - b.lastUsedAt.getTime());
  const removed: UsageRecord[] = [];
  let disk = await apparentSize(state.root);
  for (const r of candidates) {
    if (opts.keepBytes !== undefined && disk <= opts.keepBytes) {
      disk = await apparentSize(state.root); // the estimate says we are done: check it
      if (disk <= opts.keepBytes) break;
    }
    let freed = r.size;
    if (r.layerId !== undefined) {
      for (const file of keysNaming(index, new Set([r.layerId]))) {
        freed += await apparentSize(file);
        await unlink(file).catch((e: unknown) => { if (!isErrno(e, 'ENOENT')) throw e; });
        (index.files as Map<string, readonly string[]>).delete(file);
      }
    }
    await removePaths(state, r.paths);
    removed.push(r);
    opts.onRemoved?.(r);
    disk -= freed;
  }
  return { removed, diskBytes: await apparentSize(state.root) };
}

/** Move each path into tmp/ first (one rename: it is gone from where builds look), then delete it. */
async function removePaths(state: StateDir, paths: readonly string[]): Promise<void> {
  await mkdir(state.tmp, { recursive: true, mode: 0o700 });
  // Named for this process (tmp-sweep.ts): if we die mid-delete, a later build removes the rest.
  const trash = await mkdtemp(ownedTempPrefix(state.tmp, 'gc'));
  try {
    for (const [i, p] of paths.entries()) {
      try {
        await rename(p, path.join(trash, String(i)));
      } catch (e) {
        if (!isErrno(e, 'ENOENT')) throw e;
      }
    }
  } finally {
    await rm(trash, { recursive: true, force: true });
  }
}
