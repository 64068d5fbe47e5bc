/**
 * Reading an inline cache (export/inline.ts) out of an image: the image config's "moby.buildkit.cache.v0"
 * string, base64 as Go's json.Unmarshal into a []byte reads it (standard alphabet, padded), holding our cache
 * config as JSON. Its layers name the image's blobs; their media types and sizes are taken from the manifest,
 * which is what the registry serves. Empty layers are not in the manifest and need no blob (imported-cache.ts).
 * Pure.
 */
import { LayerError } from '../../errors.js';
import type { Descriptor } from '../../oci/schemas.js';
import type { CacheConfig } from '../export/cache-config.js';
import { INLINE_CACHE_KEY } from '../export/inline.js';
import { parseCacheConfig } from './local.js';

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The inline cache of a parsed image config; undefined when it has none. Throws LayerError when it is not valid. */
export function inlineCacheOf(imageConfig: unknown, what: string): CacheConfig | undefined {
  if (typeof imageConfig !== 'object' || imageConfig === null) return undefined;
  const value = (imageConfig as Record<string, unknown>)[INLINE_CACHE_KEY];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || !BASE64.test(value)) throw new LayerError(`${what}: ${INLINE_CACHE_KEY} is not a base64 string`);
  return parseCacheConfig(Buffer.from(value, 'base64'), `${what}: the inline cache`);
}

/** `config` with each layer's media type and size as the manifest lists that blob (layers it does not list keep theirs). */
export function withManifestLayers(config: CacheConfig, layers: readonly Descriptor[]): CacheConfig {
  const byDigest = new Map(layers.map((d) => [d.digest, d]));
  return {
    ...config,
    layers: (config.layers ?? []).map((l) => {
      const d = byDigest.get(l.blob);
      return d === undefined ? l : { ...l, annotations: { ...l.annotations, mediaType: d.mediaType, size: d.size } };
    }),
  };
}
