/**
 * A solved result -> an image in the worker's content store: one compressed blob per non-empty layer (made once
 * per compression and shared by every output of the build, and by cache export), the config, the manifest.
 * Used by the oci and docker exporters; the image exporter (push) can use it the same way.
 *
 * Base image layers (pulled blobs) are reused as they are, unless force-compression asks for another
 * compression. With rewrite-timestamp=true and a source date epoch, the NEW layers' file times are clamped to
 * the epoch (a different blob, so the layer key carries the epoch); base layers are never rewritten.
 */
import { INLINE_CACHE_KEY, type InlineCacheProvider } from '../cache/export/inline.js';
import type { ImageConfig } from '../oci/schemas.js';
import { epochTime, finalizeImageConfig } from './image-config.js';
import { getLayerBlob, writeImage, type LayerBlob, type LayerSource, type WrittenImage } from '../output/index.js';
import { rfc3339 } from '../output/oci-layout.js';
import { normalizeImageName } from '../output/image-names.js';
import type { ProgressSink } from '../progress/types.js';
import { writeLayerTar } from '../snapshot/index.js';
import type { SnapshotResult } from '../solver/result.js';
import type { Worker } from '../solver/worker.js';
import type { ExporterResponse, ImageArchiveOutput } from './request.js';

export interface ExportInput {
  readonly result: SnapshotResult;
  readonly image: ImageConfig;
  /** RFC 3339 build time. */
  readonly created: string;
  /** The build's SOURCE_DATE_EPOCH (seconds), if any; an output's source-date-epoch key overrides it. */
  readonly epoch?: number;
  /** --export-cache type=inline: the cache to embed in each image output's config (cache/export/inline.ts). */
  readonly inlineCache?: InlineCacheProvider;
}

/** The image-shaping keys shared by the oci, docker and image exporters. */
export type ImageShape = Pick<ImageArchiveOutput, 'compression' | 'compressionLevel' | 'forceCompression' | 'ociMediaTypes' | 'annotations' | 'rewriteTimestamp' | 'sourceDateEpoch'>;

export interface BuiltImage extends WrittenImage {
  layers: LayerBlob[];
  /** The epoch this output used (its source-date-epoch key, else the build's). */
  epoch?: number;
}

/** Write the image for one output into worker.content. */
export async function buildImage(input: ExportInput, worker: Worker, out: ImageShape, progress: ProgressSink): Promise<BuiltImage> {
  const epoch = out.sourceDateEpoch ?? input.epoch;
  const rewrite = out.rewriteTimestamp === true && epoch !== undefined;
  if (out.rewriteTimestamp === true && epoch === undefined) {
    progress.warn('rewrite-timestamp=true has no effect without SOURCE_DATE_EPOCH (set it, or --opt build-arg:SOURCE_DATE_EPOCH=N)');
  }
  const layers = input.result.layers;
  const baseLayers = countBaseLayers(layers);
  const exported = layers.filter((l) => !l.meta.empty);
  const blobOpts = {
    compression: out.compression, ociMediaTypes: out.ociMediaTypes, forceCompression: out.forceCompression,
    ...(out.compressionLevel !== undefined ? { level: out.compressionLevel } : {}),
  };
  const blobs = await Promise.all(exported.map((l) => {
    const base = l.meta.blob !== undefined && l.meta.diffId !== undefined;
    const clamp = rewrite && !base ? epoch : undefined;
    const src: LayerSource = {
      key: clamp === undefined ? l.id : `${l.id}\0rewrite-timestamp=${clamp}`,
      ...(base ? { existingBlob: { descriptor: l.meta.blob!, path: worker.content.path(l.meta.blob!.digest), diffId: l.meta.diffId! } } : {}),
      diffTar: (stream) => writeLayerTar({ dir: l.dir, out: stream, rootless: worker.rootless, ...(clamp !== undefined ? { sourceDateEpoch: clamp } : {}) }),
    };
    return getLayerBlob(worker.content, src, blobOpts);
  }));
  const inline = await input.inlineCache?.(exported.map((layer, i) => ({ layer, blob: blobs[i]! })), blobOpts);
  const finalConfig = finalizeImageConfig({
    config: input.image, layerEmpty: layers.map((l) => l.meta.empty === true), diffIds: blobs.map((b) => b.diffId),
    created: input.created, baseLayers, ...(epoch !== undefined ? { epoch } : {}),
  });
  // An extra top-level key of the config: written as it is (go-json sorts the config's top level).
  const config = inline !== undefined ? { ...finalConfig, [INLINE_CACHE_KEY]: inline } as ImageConfig : finalConfig;
  const image = await writeImage(worker.content, { layers: blobs, config, ociMediaTypes: out.ociMediaTypes, annotations: { ...out.annotations } });
  return { ...image, layers: blobs, ...(epoch !== undefined ? { epoch } : {}) };
}

/** The leading layers that came from the base image's registry blobs. */
function countBaseLayers(layers: SnapshotResult['layers']): number {
  let n = 0;
  while (n < layers.length && layers[n]!.meta.blob !== undefined) n++;
  return n;
}

/** org.opencontainers.image.created for the index/descriptor: the epoch if set, else now (as BuildKit). */
export function imageCreatedAnnotation(epoch: number | undefined): string {
  return epoch !== undefined ? epochTime(epoch) : rfc3339(new Date());
}

/**
 * The exporter response of an oci/docker export, as BuildKit's oci exporter returns it: the manifest digest,
 * the config digest, the manifest descriptor with its org.opencontainers.image.created annotation, and the
 * normalised names joined by commas.
 */
export function imageArchiveResponse(image: BuiltImage, opts: { names: readonly string[]; created: string }): ExporterResponse {
  const d = image.manifestDescriptor;
  const response: ExporterResponse = {
    'containerimage.config.digest': image.configDescriptor.digest,
    'containerimage.digest': d.digest,
    // Go struct order (mediaType, digest, size, annotations): buildctl copies this JSON as it is.
    'containerimage.descriptor': {
      mediaType: d.mediaType, digest: d.digest, size: d.size,
      annotations: { ...d.annotations, 'org.opencontainers.image.created': opts.created },
    },
  };
  const names = opts.names.filter((n) => n.trim() !== '').map(normalizeImageName);
  if (names.length > 0) response['image.name'] = names.join(',');
  return response;
}
