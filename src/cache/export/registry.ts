/**
 * --export-cache type=registry,ref=REF: BuildKit's registry cache exporter. The layer blobs (as the content store
 * holds them: never recompressed), the cache config blob, then the cache's manifest (cache-manifest.ts) under
 * REF's tag, through the same push path as --output type=image (registry/push.ts: every blob before the
 * manifest, so the tag never names a missing blob). A base image's layers are mounted from the repository they
 * were pulled from when it is on the same registry. Progress lines are BuildKit's ("writing layer ...").
 */
import type { Descriptor } from '../../oci/schemas.js';
import type { VertexProgress } from '../../progress/types.js';
import { parseReference, type ImageReference, type RegistryClient } from '../../registry/index.js';
import { pushImage } from '../../registry/push.js';
import type { Worker } from '../../solver/worker.js';
import { cacheConfigBlob, cacheManifest, type CacheManifestOptions } from './cache-manifest.js';
import type { CollectedCache } from './collect.js';

export interface RegistryCacheTarget {
  readonly ref: string;
  /** registry.insecure=true: HTTPS without certificate checks, then plain HTTP, for REF's host. */
  readonly insecure: boolean;
  readonly manifest: CacheManifestOptions;
}

/** Push the cache; returns the descriptor of the cache's manifest. */
export async function writeRegistryCache(worker: Worker, cache: CollectedCache, target: RegistryCacheTarget, v: VertexProgress): Promise<Descriptor> {
  const ref = parseReference(target.ref);
  const config = cacheConfigBlob(cache.config);
  await worker.content.writeBytes(config.bytes);
  const manifest = cacheManifest(cache.layers, config.descriptor, target.manifest);
  const sources = await baseLayerSources(worker);
  const blobs = [...cache.layers, config.descriptor].map((descriptor) => ({
    descriptor, file: worker.content.path(descriptor.digest), knownIn: sources.get(descriptor.digest) ?? [],
  }));
  const client = target.insecure ? insecureClient(worker.registry, ref) : worker.registry;
  try {
    await pushImage(client, ref, { manifest: { bytes: manifest.bytes, mediaType: manifest.descriptor.mediaType }, blobs }, {
      displayName: target.ref,
      onBlob: (digest) => v.status(digest === config.descriptor.digest ? `writing config ${digest} done` : `writing layer ${digest} done`),
    });
  } finally {
    if (client !== worker.registry) await client.close();
  }
  v.status(`writing cache ${target.manifest.imageManifest ? 'image manifest' : 'manifest'} ${manifest.descriptor.digest} done`);
  return manifest.descriptor;
}

/** Where this build's base images' layers came from (blob digest -> repositories): cross-repository mount sources. */
async function baseLayerSources(worker: Worker): Promise<Map<string, ImageReference[]>> {
  const out = new Map<string, ImageReference[]>();
  for (const r of await Promise.allSettled(worker.images.values())) {
    if (r.status !== 'fulfilled') continue;
    for (const l of r.value.manifest.layers) out.set(l.digest, [...(out.get(l.digest) ?? []), r.value.ref]);
  }
  return out;
}

/** registry.insecure=true for REF's host only, as BuildKit's registry cache sets it. */
export function insecureClient(base: RegistryClient, ref: ImageReference): RegistryClient {
  return base.derive((host, cfg) => (host === ref.domain ? { ...cfg, insecure: true, http: true } : cfg));
}
