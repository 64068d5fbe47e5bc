/**
 * --import-cache type=registry,ref=REF[,registry.insecure=true]: what REF names decides the kind of cache
 * (cache-parts.ts): a cache index or image manifest written by --export-cache type=registry, or an image whose
 * config carries an inline cache (type=inline; a multi-platform image: its linux/amd64 manifest). Only the
 * manifest and the config are read here; a layer blob is downloaded (digest-checked, into the content store)
 * when a record that needs it hits, from REF's repository.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { LayerError } from '../../errors.js';
import type { Descriptor } from '../../oci/schemas.js';
import type { ContentStore } from '../../output/index.js';
import { DEFAULT_PLATFORM, parseReference, type ImageReference, type RegistryClient } from '../../registry/index.js';
import { selectManifest } from '../../registry/platform.js';
import type { FetchedManifest } from '../../registry/manifest-fetch.js';
import { insecureClient } from '../export/registry.js';
import type { CacheConfig } from '../export/cache-config.js';
import { cachePartsOf } from './cache-parts.js';
import { inlineCacheOf, withManifestLayers } from './inline.js';
import { parseCacheConfig, type LoadedCache } from './local.js';

/** Cache configs of big mode=max builds outgrow the 4 MiB manifest cap. */
const CACHE_CONFIG_LIMIT = 64 << 20;

export interface RegistryLoadedCache extends LoadedCache {
  /** Release the connections of a registry.insecure client. */
  close(): Promise<void>;
}

export async function loadRegistryCache(attrs: Readonly<Record<string, string>>, base: RegistryClient): Promise<RegistryLoadedCache> {
  const name = `type=registry,ref=${attrs['ref']!}`;
  const ref = parseReference(attrs['ref']!);
  const client = attrs['registry.insecure'] === 'true' ? insecureClient(base, ref) : base;
  const close = async (): Promise<void> => { if (client !== base) await client.close(); };
  try {
    const { config, layers } = await readCache(client, ref, name);
    const fetchBlob = async (desc: { digest: string; size?: number }, content: ContentStore, signal: AbortSignal): Promise<void> => {
      signal.throwIfAborted();
      if (await content.has(desc.digest)) return;
      const d = layers.get(desc.digest);
      if (d === undefined) throw new LayerError(`${name}: blob ${desc.digest} is not listed in the cache's manifest`);
      const file = content.path(d.digest);
      await mkdir(path.dirname(file), { recursive: true });
      await client.fetchBlob(ref, d, file, { signal });
    };
    return { name, config, fetchBlob, close };
  } catch (e) {
    await close();
    // Our own errors are complete; registry and network errors get the one-line, credential-free form.
    throw e instanceof LayerError ? e : await client.userError(name, ref, e);
  }
}

/** The cache config and the blobs it may name, from whatever REF names. */
async function readCache(client: RegistryClient, ref: ImageReference, name: string): Promise<{ config: CacheConfig; layers: Map<string, Descriptor> }> {
  let doc: FetchedManifest = await client.fetchManifest(ref, ref.digest);
  const parts = cachePartsOf(doc);
  if (parts !== undefined) {
    const bytes = await client.fetchSmallBlob(ref, parts.config, `cache config ${parts.config.digest} of ${ref.name}`, CACHE_CONFIG_LIMIT);
    return { config: parseCacheConfig(bytes, `${name}: the cache config ${parts.config.digest}`), layers: new Map(parts.layers) };
  }
  if (doc.kind === 'index') {
    const picked = selectManifest(doc.index.manifests, DEFAULT_PLATFORM);
    if (picked === undefined) throw new LayerError(`${name}: neither a cache nor an image for linux/amd64`);
    doc = await client.fetchManifest(ref, picked.digest);
    if (doc.kind !== 'manifest') throw new LayerError(`${name}: nested image index`);
  }
  // An image: its config may carry an inline cache.
  const imageConfig: unknown = JSON.parse((await client.fetchSmallBlob(ref, doc.manifest.config, `config ${doc.manifest.config.digest} of ${ref.name}`)).toString('utf8'));
  const inline = inlineCacheOf(imageConfig, name);
  if (inline === undefined) throw new LayerError(`${name}: the image has no inline cache (build it with --export-cache type=inline)`);
  return { config: withManifestLayers(inline, doc.manifest.layers), layers: new Map(doc.manifest.layers.map((d) => [d.digest, d])) };
}
