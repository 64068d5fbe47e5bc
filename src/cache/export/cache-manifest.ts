/**
 * The documents that hold a remote cache together, as BuildKit's cache exporters write them
 * (cache/remotecache/export.go): the cache config blob, and the manifest that names it and the layer blobs:
 * - default: an image index (OCI index type; Docker manifest list type with oci-mediatypes=false) listing the
 *   layers, then the config descriptor last. The local layout's index is the same document.
 * - image-manifest=true: an OCI image manifest whose config is the cache config descriptor and whose layers
 *   are the layers, for registries that refuse an index naming blobs. It needs OCI media types (as BuildKit).
 * Pure: bytes in, bytes out.
 */
import { sha256Digest } from '../../oci/digest.js';
import { MediaType } from '../../oci/media-types.js';
import type { Descriptor } from '../../oci/schemas.js';
import { goJson, INDEX_SHAPE, MANIFEST_SHAPE } from '../../output/go-json.js';
import { CACHE_CONFIG_MEDIA_TYPE, type CacheConfig } from './cache-config.js';

export interface Blob {
  readonly descriptor: Descriptor;
  readonly bytes: Buffer;
}

export interface CacheManifestOptions {
  /** image-manifest=true: an image manifest instead of an index. */
  readonly imageManifest: boolean;
  /** oci-mediatypes (default true). */
  readonly oci: boolean;
}

/** The cache config as a blob (application/vnd.buildkit.cacheconfig.v0). */
export function cacheConfigBlob(config: CacheConfig): Blob {
  const bytes = Buffer.from(JSON.stringify(config));
  return { bytes, descriptor: { mediaType: CACHE_CONFIG_MEDIA_TYPE, digest: sha256Digest(bytes), size: bytes.length } };
}

/** The manifest naming `layers` and `config`, serialised like Go marshals the OCI types. */
export function cacheManifest(layers: readonly Descriptor[], config: Descriptor, o: CacheManifestOptions): Blob {
  // The flag parser refuses this combination (cli/cache-flag.ts), as BuildKit does.
  if (o.imageManifest && !o.oci) throw new Error('cacheManifest: image-manifest needs OCI media types');
  let bytes: Buffer;
  let mediaType: string;
  if (o.imageManifest) {
    mediaType = MediaType.ociManifest;
    bytes = goJson({ schemaVersion: 2, mediaType, config, layers: [...layers] }, MANIFEST_SHAPE);
  } else {
    mediaType = o.oci ? MediaType.ociIndex : MediaType.dockerManifestList;
    bytes = goJson({ schemaVersion: 2, mediaType, manifests: [...layers, config] }, INDEX_SHAPE);
  }
  return { bytes, descriptor: { mediaType, digest: sha256Digest(bytes), size: bytes.length } };
}
