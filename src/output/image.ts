/**
 * A single-platform image: config blob + manifest blob, serialised like BuildKit's image writer
 * (exporter/containerimage/writer.go) so identical inputs give identical digests.
 */
import { MediaType } from '../oci/media-types.js';
import type { Descriptor, ImageConfig, Manifest } from '../oci/schemas.js';
import type { ContentStore } from './content-store.js';
import { goJson, IMAGE_CONFIG_SHAPE, MANIFEST_SHAPE } from './go-json.js';
import type { LayerBlob } from './layer-blobs.js';

export interface WriteImageOptions {
  /** The image's layers, bottom first; their blobs must already be in the store. */
  layers: LayerBlob[];
  /** rootfs.diff_ids is replaced by the layers' diffIds; `created` defaults to the last history entry's. */
  config: ImageConfig;
  ociMediaTypes: boolean;
  /** Manifest annotations. */
  annotations?: Record<string, string>;
}

export interface WrittenImage { manifestDescriptor: Descriptor; configDescriptor: Descriptor; manifest: Manifest }

export async function writeImage(store: ContentStore, opts: WriteImageOptions): Promise<WrittenImage> {
  for (const l of opts.layers) {
    if (!(await store.has(l.descriptor.digest))) throw new Error(`writeImage: layer blob ${l.descriptor.digest} is not in the store`);
  }
  const config: ImageConfig = { ...opts.config, rootfs: { type: 'layers', diff_ids: opts.layers.map((l) => l.diffId) } };
  if (config.created === undefined) {
    // BuildKit's patchImageConfig: the image's creation time is its newest history entry's.
    const last = [...(config.history ?? [])].reverse().find((h) => h.created !== undefined);
    if (last?.created !== undefined) config.created = last.created;
  }
  const configBlob = await store.writeBytes(goJson(config, IMAGE_CONFIG_SHAPE));
  const configDescriptor: Descriptor = {
    mediaType: opts.ociMediaTypes ? MediaType.ociConfig : MediaType.dockerConfig,
    digest: configBlob.digest,
    size: configBlob.size,
  };
  const manifest: Manifest = {
    schemaVersion: 2,
    mediaType: opts.ociMediaTypes ? MediaType.ociManifest : MediaType.dockerManifest,
    config: configDescriptor,
    layers: opts.layers.map((l) => l.descriptor),
  };
  if (opts.annotations !== undefined && Object.keys(opts.annotations).length > 0) manifest.annotations = opts.annotations;
  const manifestBlob = await store.writeBytes(goJson(manifest, MANIFEST_SHAPE));
  const manifestDescriptor: Descriptor = { mediaType: manifest.mediaType!, digest: manifestBlob.digest, size: manifestBlob.size };
  return { manifestDescriptor, configDescriptor, manifest };
}
