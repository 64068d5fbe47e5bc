/**
 * BuildKit's remote cache config (`application/vnd.buildkit.cacheconfig.v0`, moby/buildkit
 * cache/remotecache/v1/spec.go), typed once for export and import.
 *
 * Where ours differs from BuildKit's use of the same format:
 * - A record's `digest` is OUR cache key (src/solver/solver.ts cacheKey): it already folds in the op, its
 *   inputs' keys and the content of what it reads. BuildKit's record digest is the op's cache-map digest and a
 *   record is only found by walking `inputs` links from the roots; ours is looked up by the key directly, so
 *   `inputs` are written for the shape (links to the input vertices' records) but not needed on import.
 *   BuildKit cannot use our caches, and we cannot use BuildKit's.
 * - One record per vertex; a result names the TOP layer of the output's stack (the rest follows `parent`),
 *   as BuildKit does. Vertices with several outputs are not exported (none of ours has a snapshot at index > 0
 *   that is cached by key alone).
 * - Empty layers (a step that changed nothing) are in the config too, flagged in annotations.additional
 *   (EMPTY_KEY), so an imported stack has the same layers and the image the same history. Their blob (an empty
 *   tar) is written by type=local/registry but never needed: import makes an empty layer without it.
 */
import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { LayerError } from '../../errors.js';
import type { Descriptor } from '../../oci/schemas.js';

export const CACHE_CONFIG_MEDIA_TYPE = 'application/vnd.buildkit.cacheconfig.v0';
/** annotations.additional keys of ours. */
export const LAYER_ID_KEY = 'buildctl-ts.layer-id';
export const EMPTY_KEY = 'buildctl-ts.empty';
export const BASE_KEY = 'buildctl-ts.base';
/**
 * A `RUN --mount=type=cache` directory's contents (export with mounts=true): a layer with parent -1 that no
 * record names; the value is the cache mount's identity (its dir name under the state dir's cache-mounts/).
 */
export const CACHE_MOUNT_KEY = 'buildctl-ts.cache-mount';

const Digest = Type.String({ pattern: '^sha256:[a-f0-9]{64}$' });

export const CacheLayerSchema = Type.Object({
  blob: Digest,
  /** Index of the layer below, -1 = none (BuildKit writes -1; absent decodes as 0, as in Go). We always write it. */
  parent: Type.Optional(Type.Integer({ minimum: -1 })),
  annotations: Type.Optional(Type.Object({
    mediaType: Type.Optional(Type.String()),
    diffID: Type.Optional(Digest),
    size: Type.Optional(Type.Integer({ minimum: 0 })),
    createdAt: Type.Optional(Type.String()),
    additional: Type.Optional(Type.Record(Type.String(), Type.String())),
  })),
});
export type CacheLayer = Static<typeof CacheLayerSchema>;

export const CacheRecordSchema = Type.Object({
  layers: Type.Optional(Type.Array(Type.Object({ layer: Type.Integer({ minimum: 0 }), createdAt: Type.Optional(Type.String()) }))),
  chains: Type.Optional(Type.Array(Type.Unknown())),
  digest: Digest,
  inputs: Type.Optional(Type.Array(Type.Array(Type.Object({ selector: Type.Optional(Type.String()), link: Type.Integer({ minimum: 0 }) })))),
});
export type CacheRecord = Static<typeof CacheRecordSchema>;

export const CacheConfigSchema = Type.Object({
  layers: Type.Optional(Type.Array(CacheLayerSchema)),
  records: Type.Optional(Type.Array(CacheRecordSchema)),
});
export type CacheConfig = Static<typeof CacheConfigSchema>;
export const CacheConfigCheck = TypeCompiler.Compile(CacheConfigSchema);

/** The cache config layer of a layer blob (`blob`: its compressed descriptor and its diff_id). */
export function blobCacheLayer(o: {
  readonly blob: { readonly descriptor: Descriptor; readonly diffId: string };
  readonly parent: number;
  readonly createdAt: string;
  readonly additional: Record<string, string>;
}): CacheLayer {
  const d = o.blob.descriptor;
  return {
    blob: d.digest, parent: o.parent,
    annotations: { mediaType: d.mediaType, diffID: o.blob.diffId, size: d.size, createdAt: o.createdAt, additional: o.additional },
  };
}

/**
 * A cache layer's entry in the cache's manifest: its blob, annotated as containerd and BuildKit do
 * (uncompressed = diff_id, createdat; `fallbackCreatedAt` when the layer has no time). Throws LayerError when the
 * layer lacks its media type, size or diffID.
 */
export function cacheLayerDescriptor(l: CacheLayer, fallbackCreatedAt?: string): Descriptor {
  const a = l.annotations ?? {};
  if (a.mediaType === undefined || a.size === undefined || a.diffID === undefined) {
    throw new LayerError(`cache layer ${l.blob} lacks its media type, size or diffID`);
  }
  const createdAt = a.createdAt ?? fallbackCreatedAt;
  return {
    mediaType: a.mediaType, digest: l.blob, size: a.size,
    annotations: { 'containerd.io/uncompressed': a.diffID, ...(createdAt !== undefined ? { 'buildkit/createdat': createdAt } : {}) },
  };
}

/** The layer stack (bottom first) ending at layer index `top`; throws on a cycle or a bad index. */
export function layerChain(config: CacheConfig, top: number): CacheLayer[] {
  const layers = config.layers ?? [];
  const out: CacheLayer[] = [];
  for (let i = top; i !== -1 && i !== undefined;) {
    const l = layers[i];
    if (l === undefined || out.length > layers.length) throw new Error(`cache config: bad layer index ${i}`);
    out.push(l);
    i = l.parent ?? 0;
  }
  return out.reverse();
}
