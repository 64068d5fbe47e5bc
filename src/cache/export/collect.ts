/**
 * The solved graph -> a cache config plus the layer blobs it names. Blobs come from the same per-layer blob
 * store the image exporters use (output/layer-blobs getLayerBlob): a layer compressed for an image output of
 * this build (or an earlier one) is reused as it is, a base image's or an imported layer's blob is never
 * recompressed.
 *
 * mode=min, as BuildKit means it ("only the layers of the resulting image"): the record of every vertex whose
 * result is a prefix of the final result's layer stack (the base image, and each step of the final stage up to
 * the last one), so a change in the last step still leaves the steps before it cached. mode=max: every cacheable
 * vertex with a known result. Results below a cache hit come from the state dir's key store (the solve did not
 * load them).
 */
import type { Layer } from '../layer-store.js';
import { getLayerBlob, type LayerBlob, type LayerBlobOptions } from '../../output/index.js';
import type { Descriptor } from '../../oci/schemas.js';
import { writeLayerTar } from '../../snapshot/index.js';
import type { Result } from '../../solver/result.js';
import type { SolvedRecord } from '../../solver/solver.js';
import type { Worker } from '../../solver/worker.js';
import { BASE_KEY, blobCacheLayer, cacheLayerDescriptor, EMPTY_KEY, LAYER_ID_KEY, type CacheConfig, type CacheLayer, type CacheRecord } from './cache-config.js';

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
  /**
   * The blob for a layer, instead of the shared per-compression blob store (inline cache: the blobs of the image
   * output it goes into). Return undefined to fall back to the store (empty layers, which images leave out).
   */
  readonly blobFor?: (l: Layer) => LayerBlob | undefined;
}

export interface CollectedCache {
  readonly config: CacheConfig;
  /** Every layer blob the config names, each once; all in worker.content. */
  readonly layers: readonly Descriptor[];
}

export async function collectCache(opts: CollectOptions): Promise<CollectedCache> {
  const resultOf = async (rec: SolvedRecord): Promise<Layer[] | undefined> => {
    const results = rec.results ?? (await opts.lookupLocal(rec.key));
    const only = results?.length === 1 ? results[0] : undefined;
    return only?.kind === 'snapshot' && only.layers.length > 0 ? [...only.layers] : undefined; // scratch, local, or several outputs
  };
  const finalRecord = opts.records.find((r) => r.digest === opts.output);
  const finalLayers = (finalRecord !== undefined ? await resultOf(finalRecord) : undefined) ?? [];
  const layers: CacheLayer[] = [];
  const descriptors: Descriptor[] = [];
  const layerIndex = new Map<string, number>();
  const records: CacheRecord[] = [];
  const recordIndex = new Map<string, number>();

  const addLayer = async (l: Layer, parent: number): Promise<number> => {
    const known = layerIndex.get(l.id);
    if (known !== undefined) return known;
    const blob = opts.blobFor?.(l) ?? await layerBlob(opts.worker, l, opts.blobs);
    const additional: Record<string, string> = { [LAYER_ID_KEY]: l.id };
    if (l.meta.empty === true) additional[EMPTY_KEY] = 'true';
    if (l.meta.blob !== undefined) additional[BASE_KEY] = 'true';
    const layer = blobCacheLayer({ blob, parent, createdAt: l.meta.created, additional });
    layers.push(layer);
    descriptors.push(cacheLayerDescriptor(layer));
    layerIndex.set(l.id, layers.length - 1);
    return layers.length - 1;
  };

  for (const rec of opts.records) {
    const chain = await resultOf(rec);
    if (chain === undefined || (opts.mode === 'min' && !isPrefix(chain, finalLayers))) continue;
    let top = -1;
    for (const l of chain) top = await addLayer(l, top);
    const inputs = rec.inputs.map((d) => recordIndex.get(d)).filter((i): i is number => i !== undefined).map((link) => [{ link }]);
    records.push({ digest: rec.key, layers: [{ layer: top, createdAt: chain[chain.length - 1]!.meta.created }], ...(inputs.length > 0 ? { inputs } : {}) });
    recordIndex.set(rec.digest, records.length - 1);
  }
  return { config: { layers, records }, layers: descriptors };
}

/** Every layer of `chain` is the layer at the same place in `of`. */
export function isPrefix(chain: readonly { id: string }[], of: readonly { id: string }[]): boolean {
  return chain.length <= of.length && chain.every((l, i) => l.id === of[i]!.id);
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
