/**
 * Which document a cache reference names, and what is in it (BuildKit's contentCacheImporter.Resolve):
 * - an image index with an application/vnd.buildkit.cacheconfig.v0 entry: a cache (type=local/registry
 *   default); the other entries are the layer blobs;
 * - an image manifest whose config has that media type: a cache written with image-manifest=true;
 * - anything else is an image, which may carry an inline cache in its config (import/inline.ts).
 * Pure: works on decoded, schema-checked documents.
 */
import type { FetchedManifest } from '../../registry/manifest-fetch.js';
import type { Descriptor } from '../../oci/schemas.js';
import { CACHE_CONFIG_MEDIA_TYPE } from '../export/cache-config.js';

export interface CacheParts {
  readonly config: Descriptor;
  /** The layer blobs the config may name, by digest. */
  readonly layers: ReadonlyMap<string, Descriptor>;
}

export type CacheDocument = Pick<FetchedManifest & { kind: 'index' }, 'kind' | 'index'> | Pick<FetchedManifest & { kind: 'manifest' }, 'kind' | 'manifest'>;

/** The cache config and layers of a cache's manifest; undefined when the document is not a cache. */
export function cachePartsOf(doc: CacheDocument): CacheParts | undefined {
  const entries = doc.kind === 'index' ? doc.index.manifests : [doc.manifest.config, ...doc.manifest.layers];
  const config = doc.kind === 'index' ? entries.find((d) => d.mediaType === CACHE_CONFIG_MEDIA_TYPE) : doc.manifest.config;
  if (config?.mediaType !== CACHE_CONFIG_MEDIA_TYPE) return undefined;
  return { config, layers: new Map(entries.filter((d) => d !== config).map((d) => [d.digest, d])) };
}
