/**
 * The solved graph -> a cache config plus the layer blobs it names. Blobs come from the same per-layer blob
 * store the image exporters use (output/layer-blobs getLayerBlob): a layer compressed for an image output of
 * this build (or an earlier one) is reused as it is, a base image's or an imported layer's blob is never
 * recompressed.
 *
 * mode=min: only the final result's record; mode=max: every cacheable vertex with a known result, those below a
 * cache hit taken from the state dir's key store (they were not loaded by the solve).
 */
import type { Layer } from '../layer-store.js';
import { getLayerBlob, type LayerBlobOptions } from '../../output/index.js';
import type { Descriptor } from '../../oci/schemas.js';
import { writeLayerTar } from '../../snapshot/index.js';
import type { Result } from '../../solver/result.js';
import type { SolvedRecord } from '../../solver/solver.js';
import type { Worker } from '../../solver/worker.js';
import { BASE_KEY, EMPTY_KEY, LAYER_ID_KEY, type CacheConfig, type CacheLayer, type CacheRecord } from './cache-config.js';

export type CacheMode = 'min' | 'max';

export interface CollectOptions {
  readonly records: readonly SolvedRecord[];
  /** The build result's vertex. */
  readonly output: string;
  readonly mode: CacheMode;
  /** Results of vertices the solve did not load (below a hit): the state dir's record, if any. */
  readonly lookupLocal: (key: string) => Promise<Result[] | undefined>;
  readonly worker: Worker;
  readonly blobs: LayerBlobOptions;
}

export interface CollectedCache {
  readonly config: CacheConfig;
  /** Every layer blob the config names, each once; all in worker.content. */
  readonly layers: readonly Descriptor[];
}

export async function collectCache(opts: CollectOptions): Promise<CollectedCache> {
  const chosen = opts.mode === 'min' ? opts.records.filter((r) => r.digest === opts.output) : opts.records;
  const layers: CacheLayer[] = [];
  const descriptors: Descriptor[] = [];
  const layerIndex = new Map<string, number>();
  const records: CacheRecord[] = [];
  const recordIndex = new Map<string, number>();

  const addLayer = async (l: Layer, parent: number): Promise<number> => {
    const known = layerIndex.get(l.id);
    if (known !== undefined) return known;
    const blob = await layerBlob(opts.worker, l, opts.blobs);
    const additional: Record<string, string> = { [LAYER_ID_KEY]: l.id };
    if (l.meta.empty === true) additional[EMPTY_KEY] = 'true';
    if (l.meta.blob !== undefined) additional[BASE_KEY] = 'true';
    layers.push({
      blob: blob.descriptor.digest, parent,
      annotations: { mediaType: blob.descriptor.mediaType, diffID: blob.diffId, size: blob.descriptor.size, createdAt: l.meta.created, additional },
    });
    descriptors.push({
      mediaType: blob.descriptor.mediaType, digest: blob.descriptor.digest, size: blob.descriptor.size,
      annotations: { 'containerd.io/uncompressed': blob.diffId, 'buildkit/createdat': l.meta.created },
    });
    layerIndex.set(l.id, layers.length - 1);
    return layers.length - 1;
  };

  for (const rec of chosen) {
    const results = rec.results ?? (await opts.lookupLocal(rec.key));
    const only = results?.length === 1 ? results[0] : undefined;
    if (only?.kind !== 'snapshot' || only.layers.length === 0) continue; // scratch, local, or several outputs
    let top = -1;
    for (const l of only.layers) top = await addLayer(l, top);
    const inputs = rec.inputs.map((d) => recordIndex.get(d)).filter((i): i is number => i !== undefined).map((link) => [{ link }]);
    records.push({ digest: rec.key, layers: [{ layer: top, createdAt: only.layers[only.layers.length - 1]!.meta.created }], ...(inputs.length > 0 ? { inputs } : {}) });
    recordIndex.set(rec.digest, records.length - 1);
  }
  return { config: { layers, records }, layers: descriptors };
}

/** Base and imported layers keep their blob; others are compressed once per compression and reused. */
function layerBlob(worker: Worker, l: Layer, opts: LayerBlobOptions): ReturnType<typeof getLayerBlob> {
  const existing = l.meta.blob !== undefined && l.meta.diffId !== undefined
    ? { existingBlob: { descriptor: l.meta.blob, path: worker.content.path(l.meta.blob.digest), diffId: l.meta.diffId } }
    : {};
  return getLayerBlob(worker.content, {
    key: l.id, ...existing,
    diffTar: (out) => writeLayerTar({ dir: l.dir, out, rootless: worker.rootless }),
  }, opts);
}
