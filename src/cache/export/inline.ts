/**
 * --export-cache type=inline: the cache travels inside the image. Each image output (type=image/registry, oci,
 * docker) asks the provider for the cache of ITS layer blobs before it writes the image config, and stores the
 * answer under the config's "moby.buildkit.cache.v0" key, as BuildKit does (exporter/containerimage/writer.go).
 * The value is what Go's json.Marshal makes of a []byte: the JSON bytes, standard base64 with padding.
 *
 * Inline is mode=min (the records of the final stage's steps, collect.ts). Where ours differs from BuildKit:
 * BuildKit stores only the records, whose layer indexes point into the manifest's layers; ours stores a whole
 * cache config (layers + records), because our layers carry their layer-store ids and the empty-layer flag,
 * and an empty layer (a step that changed nothing) has no place in the manifest. Its layers name the image's
 * own blobs; on import their media types and sizes come from the manifest (import/inline.ts).
 */
import type { Layer } from '../layer-store.js';
import type { LayerBlob, LayerBlobOptions } from '../../output/index.js';
import type { Solver } from '../../solver/solver.js';
import type { Worker } from '../../solver/worker.js';
import type { CacheConfig } from './cache-config.js';
import { collectCache } from './collect.js';

export const INLINE_CACHE_KEY = 'moby.buildkit.cache.v0';

/** One image layer of an output and the blob that output uses for it. */
export interface InlineLayer {
  readonly layer: Layer;
  readonly blob: LayerBlob;
}

/**
 * Called by an image output with its non-empty layers' blobs and its compression; returns the value for
 * INLINE_CACHE_KEY, or undefined for no inline cache.
 */
export type InlineCacheProvider = (layers: readonly InlineLayer[], blobs: LayerBlobOptions) => Promise<string | undefined>;

/** Go's json.Marshal of the config's JSON bytes as a []byte: a base64 string. */
export function encodeInlineCache(config: CacheConfig): string {
  return Buffer.from(JSON.stringify(config)).toString('base64');
}

export interface InlineContext {
  readonly solver: Solver;
  /** The build result's vertex digest. */
  readonly output: string;
  readonly worker: Worker;
}

/** The provider for one build, and whether any output used it (type=inline without an image output does nothing). */
export function inlineCacheProvider(ctx: InlineContext): { provider: InlineCacheProvider; used: () => boolean } {
  let used = false;
  let records: ReturnType<Solver['records']> | undefined;
  const provider: InlineCacheProvider = async (layers, blobs) => {
    used = true;
    records ??= ctx.solver.records();
    const byId = new Map(layers.map((l) => [l.layer.id, l.blob]));
    const cache = await collectCache({
      records: await records, output: ctx.output, mode: 'min', worker: ctx.worker, blobs,
      lookupLocal: (key) => ctx.solver.lookupLocal(key),
      blobFor: (l) => byId.get(l.id),
    });
    return (cache.config.records?.length ?? 0) > 0 ? encodeInlineCache(cache.config) : undefined;
  };
  return { provider, used: () => used };
}
