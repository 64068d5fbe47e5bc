/**
 * The image exporter (`--output type=image|registry`): the image is written to the content store like the
 * oci/docker exporters write it (one blob per layer and compression, base layers as pulled), then, with
 * push=true, pushed to each name in turn. Base image layers are mounted from the repository they were pulled
 * from when it is on the same registry; every later name on a registry mounts from the first one pushed there.
 * The exporter response is BuildKit's image exporter's: the names as given (dangling-name-prefix@digest when
 * there are none), the manifest and config digests, the manifest descriptor (with its platform and any
 * annotation-manifest-descriptor annotations).
 *
 * name-canonical and store name images in an image store, which a daemonless build does not have: accepted,
 * and (as in BuildKit) without effect on what is pushed or reported.
 */
import { buildImage, type ExportInput } from '../build/export-image.js';
import type { ExporterResponse, ImageOutput } from '../build/request.js';
import type { Descriptor } from '../oci/schemas.js';
import type { ProgressSink, VertexProgress } from '../progress/types.js';
import { parseReference, type ImageReference, type RegistryClient } from '../registry/index.js';
import type { BlobToPush } from '../registry/push-blob.js';
import { pushImage } from '../registry/push.js';
import type { Worker } from '../solver/worker.js';

const BUILD_PLATFORM = { architecture: 'amd64', os: 'linux' } as const;

export async function exportImage(out: ImageOutput, input: ExportInput, worker: Worker, progress: ProgressSink): Promise<ExporterResponse> {
  const v = progress.vertex('exporting to image');
  v.start();
  try {
    v.status('exporting layers');
    const image = await buildImage(input, worker, out, progress);
    const manifestDigest = image.manifestDescriptor.digest;
    v.status(`exporting manifest ${manifestDigest} done`);
    v.status(`exporting config ${image.configDescriptor.digest} done`);
    const names = out.names.length > 0 ? [...out.names]
      : out.danglingNamePrefix !== undefined ? [`${out.danglingNamePrefix}@${manifestDigest}`] : [];
    if (out.push) {
      const blobs: BlobToPush[] = [image.configDescriptor, ...image.layers.map((l) => l.descriptor)]
        .map((descriptor) => ({ descriptor, file: worker.content.path(descriptor.digest) }));
      await pushAll({ names, blobs, manifest: image.manifestDescriptor, out, worker, v });
    }
    v.done();
    const response: ExporterResponse = {
      'containerimage.config.digest': image.configDescriptor.digest,
      'containerimage.digest': manifestDigest,
      'containerimage.descriptor': descriptorJson(image.manifestDescriptor, out.manifestDescriptorAnnotations),
    };
    if (names.length > 0) response['image.name'] = names.join(',');
    return response;
  } catch (e) {
    v.error(e instanceof Error ? e.message : String(e));
    throw e;
  }
}

interface PushAll {
  names: readonly string[];
  blobs: readonly BlobToPush[];
  manifest: Descriptor;
  out: ImageOutput;
  worker: Worker;
  v: VertexProgress;
}

async function pushAll(p: PushAll): Promise<void> {
  const bytes = await p.worker.content.readBytes(p.manifest.digest);
  const sources = await baseLayerSources(p.worker);
  const pushed: ImageReference[] = [];
  for (const name of p.names) {
    const target = parseReference(name);
    const client = p.out.registryInsecure === true ? insecureClient(p.worker.registry, target) : p.worker.registry;
    try {
      const blobs = p.blobs.map((b) => ({ ...b, knownIn: [...(sources.get(b.descriptor.digest) ?? []), ...pushed] }));
      p.v.status(`pushing layers for ${name}`);
      const started = Date.now();
      const result = await pushImage(client, target, { manifest: { bytes, mediaType: p.manifest.mediaType }, blobs }, {
        displayName: name, byDigest: p.out.pushByDigest === true,
      });
      const { exists, mounted, uploaded } = result.counts;
      p.v.status(`pushing layers for ${name}: ${uploaded} uploaded, ${mounted} mounted, ${exists} already there ${((Date.now() - started) / 1000).toFixed(1)}s done`);
      p.v.status(`pushing manifest for ${result.ref.toString()} done`);
      pushed.push(target);
    } finally {
      if (client !== p.worker.registry) await client.close();
    }
  }
}

/** Where the base images' layers came from (blob digest -> repositories), from this build's resolved images. */
async function baseLayerSources(worker: Worker): Promise<Map<string, ImageReference[]>> {
  const out = new Map<string, ImageReference[]>();
  const resolved = await Promise.allSettled(worker.images.values());
  for (const r of resolved) {
    if (r.status !== 'fulfilled') continue;
    for (const l of r.value.manifest.layers) out.set(l.digest, [...(out.get(l.digest) ?? []), r.value.ref]);
  }
  return out;
}

/**
 * registry.insecure=true, as BuildKit's util/push sets it for the pushed name's host: HTTPS without
 * certificate verification, then plain HTTP (host-config.ts tries the endpoints in that order).
 */
function insecureClient(base: RegistryClient, target: ImageReference): RegistryClient {
  return base.derive((host, cfg) => (host === target.domain ? { ...cfg, insecure: true, http: true } : cfg));
}

/** The manifest descriptor as BuildKit reports it (Go field order: mediaType, digest, size, annotations, platform). */
function descriptorJson(d: Descriptor, annotations: Readonly<Record<string, string>> | undefined): Record<string, unknown> {
  return {
    mediaType: d.mediaType,
    digest: d.digest,
    size: d.size,
    ...(annotations !== undefined && Object.keys(annotations).length > 0 ? { annotations: { ...annotations } } : {}),
    platform: { ...BUILD_PLATFORM },
  };
}
