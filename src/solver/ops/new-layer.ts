/**
 * The shared shape of ops that change a snapshot: mount the input's layers as overlay lowers with a fresh
 * upperdir, let the op work on the merged dir, unmount, and publish the upperdir as the new top layer.
 */
import { readdir } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import type { Layer } from '../../cache/layer-store.js';
import { pruneCopiedUpDirs } from './prune-copy-up.js';
import type { OpContext } from '../op-impl.js';
import type { SnapshotResult } from '../result.js';

/** Layer id of output `index` of the vertex with this cache key. */
export function layerIdFor(cacheKey: string, index: number): string {
  return createHash('sha256').update(`${cacheKey}/${index}`).digest('hex');
}

export async function withNewLayer(
  ctx: OpContext,
  base: SnapshotResult,
  work: (rootfs: string) => Promise<void>,
  opts: { pruneCopyUp?: boolean } = {},
): Promise<SnapshotResult> {
  const { worker } = ctx;
  const pending = await worker.layers.create();
  let layer: Layer;
  try {
    await worker.mounts.withMerged(
      { lowers: base.layers.map((l) => l.dir), upper: pending.diff, work: pending.work },
      work,
    );
    if (opts.pruneCopyUp) await pruneCopiedUpDirs(pending.diff, base.layers.map((l) => l.dir).reverse());
    const empty = (await readdir(pending.diff)).length === 0;
    layer = await worker.layers.commit(pending, layerIdFor(ctx.cacheKey, 0), { empty });
  } catch (e) {
    await worker.layers.discard(pending);
    throw e;
  }
  return { kind: 'snapshot', layers: [...base.layers, layer] };
}
