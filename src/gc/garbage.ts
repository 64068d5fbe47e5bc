/**
 * Metadata no record owns, removed by every prune/GC so the state dir's size is all records' (the budget
 * counts metadata): key records that name a layer that no longer exists (a crash between a layer's removal and
 * its keys', or an old state dir; the solver takes them as misses anyway), and content/layer-records files of
 * layers that no longer exist (their blob stays, as a content blob record of its own). Anything naming an id a
 * live build leases is left alone: that build may be publishing it right now.
 */
import { unlink } from 'node:fs/promises';
import { isErrno } from '../errors.js';
import type { StateDir } from '../cache/state-dir.js';
import type { KeyIndex } from './key-index.js';
import { exportedBlobs, type UsageRecord } from './records.js';

export async function sweepGarbage(o: { state: StateDir; index: KeyIndex; records: readonly UsageRecord[]; leased: ReadonlySet<string> }): Promise<void> {
  const layers = new Set(o.records.flatMap((r) => (r.layerId !== undefined ? [r.layerId] : [])));
  const gone = (id: string): boolean => !layers.has(id) && !o.leased.has(id);
  for (const [file, ids] of o.index.files) {
    if (ids.some(gone) && !ids.some((id) => o.leased.has(id))) {
      await remove(file);
      (o.index.files as Map<string, readonly string[]>).delete(file);
    }
  }
  for (const [id, paths] of await exportedBlobs(o.state)) {
    if (!gone(id)) continue;
    for (const p of paths) if (p.endsWith('.json')) await remove(p);
  }
}

async function remove(file: string): Promise<void> {
  await unlink(file).catch((e: unknown) => { if (!isErrno(e, 'ENOENT')) throw e; });
}
