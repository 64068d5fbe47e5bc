/**
 * --export-cache ...,mounts=true: the `RUN --mount=type=cache` dirs THIS build used (CacheMounts.usedMounts:
 * never the other caches of a shared --root), each as one more layer of the cache config, in the format of
 * cache-config.ts CACHE_MOUNT_KEY: blob = the data dir as a layer tar (writeLayerTar, so owners come out as the
 * build saw them, rootless too), compressed like the cache's layers, parent -1, annotations.additional
 * [CACHE_MOUNT_KEY] = the cache's identity; no record names it.
 *
 * - Which instance: the one leased last (instance 0 for shared/locked; for private, the most recently used one).
 *   Locked and private instances are held while they are read, as a RUN holds them.
 * - An empty cache dir is exported too (an empty tar is a few dozen bytes compressed): an importer then starts
 *   from what the exporter had, also where the cache was seeded `from` a stage and emptied since.
 * - Blobs: getLayerBlob keyed by identity + dirFingerprint, so an unchanged cache is not compressed again and a
 *   changed one never reuses a stale blob.
 * - A cache dir removed since the RUN used it (a prune from another process) is left out.
 * - The dir's own mode and owner are not in the tar (they are part of the identity: mode/uid/gid of the mount).
 * - Caches the graph uses whose RUN was a cache hit (referenced.ts) are kept too: from the state dir when it has
 *   the cache ready (a persistent --root), else carried forward from the imported cache that has them.
 */
import path from 'node:path';
import type { CollectedCache } from '../export/collect.js';
import type { Definition } from '../../llb/definition.js';
import { importedMountsOf, type ImportedMounts } from './import.js';
import { referencedCacheMounts, type ReferencedCacheMount } from './referenced.js';
import { blobCacheLayer, CACHE_MOUNT_KEY, cacheLayerDescriptor, type CacheLayer } from '../export/cache-config.js';
import type { CacheMounts, UsedCacheMount } from '../cache-mounts.js';
import { getLayerBlob, type ContentStore, type LayerBlobOptions } from '../../output/index.js';
import type { Descriptor } from '../../oci/schemas.js';
import { writeLayerTar } from '../../snapshot/index.js';
import type { Worker } from '../../solver/worker.js';
import { exists } from '../../util/fs.js';
import { dirFingerprint } from './fingerprint.js';
import { cacheMountsOf } from './worker-mounts.js';

export interface CollectMountsOptions {
  readonly mounts: CacheMounts;
  /** Where the blobs go (the worker's content store). */
  readonly content: ContentStore;
  readonly rootless: boolean;
  readonly blobs: LayerBlobOptions;
  readonly signal?: AbortSignal;
  /** For createdAt; default now. */
  readonly now?: Date;
  /** The caches the build's graph uses (referenced.ts), exported even when no RUN leased them. */
  readonly referenced?: readonly ReferencedCacheMount[];
  /** The imported caches' mount entries, to carry forward what the state dir does not have. */
  readonly imported?: ImportedMounts;
}

export interface CollectedMounts {
  readonly layers: readonly CacheLayer[];
  readonly descriptors: readonly Descriptor[];
}

export async function collectCacheMounts(opts: CollectMountsOptions): Promise<CollectedMounts> {
  const createdAt = (opts.now ?? new Date()).toISOString();
  const layers: CacheLayer[] = [];
  const descriptors: Descriptor[] = [];
  const used = opts.mounts.usedMounts();
  const leased = new Set(used.map((m) => m.identity));
  const kept: UsedCacheMount[] = [];
  for (const r of opts.referenced ?? []) {
    if (leased.has(r.identity)) continue;
    const instance = path.join(opts.mounts.root, r.identity, '0');
    if (await exists(path.join(instance, 'ready'))) {
      kept.push({ identity: r.identity, instance, dataDir: path.join(instance, 'data'), sharing: r.sharing });
      continue;
    }
    const carried = await opts.imported?.carry(r.identity, { signal: opts.signal ?? new AbortController().signal, createdAt });
    if (carried === undefined) continue;
    layers.push(carried.layer);
    descriptors.push(carried.descriptor);
  }
  for (const m of [...used, ...kept]) {
    opts.signal?.throwIfAborted();
    const blob = await opts.mounts.withInstance(m, opts.signal, async () => ((await exists(m.dataDir)) ? mountBlob(m, opts) : undefined));
    if (blob === undefined) continue; // pruned since the RUN (buildctl prune from another process)
    const layer = blobCacheLayer({ blob, parent: -1, createdAt, additional: { [CACHE_MOUNT_KEY]: m.identity } });
    layers.push(layer);
    descriptors.push(cacheLayerDescriptor(layer));
  }
  return { layers, descriptors };
}

async function mountBlob(m: UsedCacheMount, opts: CollectMountsOptions): ReturnType<typeof getLayerBlob> {
  const key = `cache-mount:${m.identity}:${await dirFingerprint(m.dataDir)}`;
  return getLayerBlob(opts.content, { key, diffTar: (out) => writeLayerTar({ dir: m.dataDir, out, rootless: opts.rootless }) }, opts.blobs);
}

/** `cache` plus this build's cache mounts: config layers appended, each blob listed once. */
export function withCacheMounts(cache: CollectedCache, mounts: CollectedMounts): CollectedCache {
  const have = new Set(cache.layers.map((d) => d.digest));
  const extra: Descriptor[] = [];
  for (const d of mounts.descriptors) {
    if (have.has(d.digest)) continue; // e.g. an empty cache dir's blob = an empty layer's
    have.add(d.digest);
    extra.push(d);
  }
  return {
    config: { ...cache.config, layers: [...(cache.config.layers ?? []), ...mounts.layers] },
    layers: [...cache.layers, ...extra],
  };
}

/** The one call for an exporter: `cache` with the cache mounts this worker's build used. */
export async function addCacheMounts(cache: CollectedCache, o: { worker: Worker; definition: Definition; blobs: LayerBlobOptions; signal?: AbortSignal }): Promise<CollectedCache> {
  const store = cacheMountsOf(o.worker);
  const imported = importedMountsOf(o.worker);
  const mounts = await collectCacheMounts({
    mounts: store, content: o.worker.content, rootless: o.worker.rootless, blobs: o.blobs,
    referenced: referencedCacheMounts(o.definition, store), ...(imported !== undefined ? { imported } : {}),
    ...(o.signal !== undefined ? { signal: o.signal } : {}),
  });
  return withCacheMounts(cache, mounts);
}
