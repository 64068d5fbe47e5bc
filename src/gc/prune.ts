/**
 * Remove cache records: `buildctl prune` and the GC at the end of a build. Order: records no key names first
 * (nothing can hit them), then least recently used (last cache hit: Solver.lookup touches them). With a byte
 * budget, removal stops as soon as the whole state dir, measured as `du -sb` would (metadata included), is
 * within it.
 *
 * Concurrency (one state dir shared by parallel builds): prunes and end-of-build GCs run one at a time (the
 * `gc` lock). A record a live build leases is never removed (cache/leases.ts has the protocol: the record's
 * dir leaves its place first, then the leases are read again, and it is put back if leased meanwhile). Standalone
 * content blobs written since the oldest live build started are kept too: an exporter may be about to read them.
 *
 * Consistency: a layer's key records are removed once its dir has left layers/ for good; a crash in between
 * leaves key records naming a missing layer, which the solver takes as a miss and the next prune removes
 * (garbage.ts). Removed paths go to a trash dir in tmp/ named for this process (one rename each), then are
 * deleted; a crash leaves only that trash, which a later build sweeps.
 */
import { mkdir, mkdtemp, rename, rm, unlink } from 'node:fs/promises';
import path from 'node:path';
import { isErrno } from '../errors.js';
import { readLeases, type LiveLeases } from '../cache/leases.js';
import { LockDir } from '../cache/locks.js';
import type { StateDir } from '../cache/state-dir.js';
import { ownedTempPrefix } from '../cache/tmp-sweep.js';
import { apparentSize } from './disk-size.js';
import { matchesAll, type RecordFilter } from './filter.js';
import { sweepGarbage } from './garbage.js';
import { keysNaming, readKeyIndex, type KeyIndex } from './key-index.js';
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

export function leaseDir(state: StateDir): string {
  return path.join(state.root, 'leases');
}

export async function pruneStateDir(state: StateDir, opts: PruneOptions): Promise<PruneResult> {
  const removed = await new LockDir(path.join(state.root, 'locks')).with('gc', () => pruneLocked(state, opts));
  return { removed, diskBytes: await apparentSize(state.root) }; // the lock file is gone now
}

async function pruneLocked(state: StateDir, opts: PruneOptions): Promise<UsageRecord[]> {
  const now = opts.now ?? new Date();
  const leases = await readLeases(leaseDir(state), { removeDead: true });
  const index = await readKeyIndex(state); // before the layers are listed: a key only names published layers
  const records = await listRecords(state, index.referenced, leases.ids);
  await sweepGarbage({ state, index, records, leased: leases.ids });
  const candidates = records
    .filter((r) => !r.inUse && !newSinceLiveBuild(r, leases))
    .filter((r) => opts.all === true || r.type !== 'internal')
    .filter((r) => opts.keepDurationMs === undefined || now.getTime() - r.lastUsedAt.getTime() > opts.keepDurationMs)
    .filter((r) => matchesAll(opts.filters ?? [], r, now))
    .sort((a, b) => Number(a.referenced) - Number(b.referenced) || a.lastUsedAt.getTime() - b.lastUsedAt.getTime());
  // A path of several records (a blob two layers compress to) goes with the last of them.
  const owners = new Map<string, number>();
  for (const r of records) for (const p of r.paths) owners.set(p, (owners.get(p) ?? 0) + 1);
  const removed: UsageRecord[] = [];
  let disk = await apparentSize(state.root);
  await mkdir(state.tmp, { recursive: true, mode: 0o700 });
  // Named for this process (tmp-sweep.ts): if we die mid-delete, a later build removes the rest.
  const trash = await mkdtemp(ownedTempPrefix(state.tmp, 'gc'));
  try {
    for (const r of candidates) {
      if (opts.keepBytes !== undefined && disk <= opts.keepBytes) {
        disk = await apparentSize(state.root); // the estimate says we are done: check it
        if (disk <= opts.keepBytes) break;
      }
      const freed = await removeRecord({ state, index, trash, owners }, r);
      if (freed === undefined) continue; // a build leased it meanwhile
      removed.push(r);
      opts.onRemoved?.(r);
      disk -= freed;
    }
  } finally {
    await rm(trash, { recursive: true, force: true });
  }
  return removed;
}

/** A standalone blob (no layer names it) written after the oldest live build started. */
function newSinceLiveBuild(r: UsageRecord, leases: LiveLeases): boolean {
  if (r.type !== 'regular' || r.layerId !== undefined || leases.oldestStart === undefined) return false;
  return r.createdAt.getTime() >= leases.oldestStart - 2000; // slack: coarse file times, clock steps
}

interface Removal {
  readonly state: StateDir;
  readonly index: KeyIndex;
  readonly trash: string;
  readonly owners: Map<string, number>;
}

let counter = 0;

/** Remove one record; returns the bytes freed (an estimate), or undefined when it was leased meanwhile. */
async function removeRecord(o: Removal, r: UsageRecord): Promise<number | undefined> {
  const [first, ...rest] = r.paths;
  if (first === undefined) return 0;
  const leasable = r.layerId !== undefined || r.type === 'exec.cachemount';
  const moved: string[] = [];
  const away = path.join(o.trash, String(counter++));
  if (await moveAside(first, away)) moved.push(away);
  if (leasable) {
    const live = await readLeases(leaseDir(o.state));
    if (live.ids.has(r.layerId ?? r.id)) {
      if (moved.length > 0) await putBack(away, first);
      return undefined;
    }
  }
  let freed = r.size;
  if (r.layerId !== undefined) {
    for (const file of keysNaming(o.index, new Set([r.layerId]))) {
      freed += await apparentSize(file);
      await unlink(file).catch((e: unknown) => { if (!isErrno(e, 'ENOENT')) throw e; });
      (o.index.files as Map<string, readonly string[]>).delete(file);
    }
  }
  for (const p of rest) {
    const n = o.owners.get(p) ?? 1;
    o.owners.set(p, n - 1);
    if (n > 1) continue; // another record still has it
    const dest = path.join(o.trash, String(counter++));
    if (await moveAside(p, dest)) moved.push(dest);
  }
  for (const m of moved) await rm(m, { recursive: true, force: true });
  return freed;
}

/** One rename: the path is gone from where builds look. False when it was gone already. */
async function moveAside(p: string, dest: string): Promise<boolean> {
  try {
    await rename(p, dest);
    return true;
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return false;
    throw e;
  }
}

/** Undo moveAside; if a build published the same layer again meanwhile, its copy stays and ours is dropped. */
async function putBack(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (e) {
    if (!isErrno(e, 'ENOTEMPTY') && !isErrno(e, 'EEXIST')) throw e;
  }
}
