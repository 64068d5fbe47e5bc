/**
 * The cache mounts of imported caches (exported with mounts=true, see export.ts): a cache config layer with
 * annotations.additional[CACHE_MOUNT_KEY] = identity fills a NEW instance of that cache mount (one this state dir
 * has not got ready yet) instead of an empty or seeded dir. Used whenever an imported cache holds them: no flag
 * on import, as an imported cache's records are used without one (a cache that could plant a cache mount's
 * content could as well plant any RUN's layer).
 *
 * Lazy: nothing is fetched until a RUN leases a cache with that identity, and then only its blob. The blob is
 * fetched into the content store (digest-checked by the cache's fetchBlob), unpacked by unpackLayer (GNU tar,
 * chroot-safe: nothing lands outside the data dir) in the marker format (`oci`: no device nodes or overlay
 * xattrs are made, a `.wh.` name stays a plain empty file) and its diffID checked. Any failure but a cancelled
 * build is a warning and the cache is seeded as new: a cache mount is only a cache.
 * Several caches: the first that has the identity wins.
 */
import { isAbsolute } from 'node:path';
import type { LoadedCache } from '../import/local.js';
import { CACHE_MOUNT_KEY, cacheLayerDescriptor, type CacheLayer } from '../export/cache-config.js';
import type { Descriptor } from '../../oci/schemas.js';
import type { ContentStore } from '../../output/index.js';
import type { ProgressSink } from '../../progress/types.js';
import { unpackLayer } from '../../snapshot/index.js';
import type { Worker } from '../../solver/worker.js';

const IDENTITY_RE = /^[a-f0-9]{64}$/;

export interface ImportedMountsOptions {
  readonly content: ContentStore;
  readonly rootless: boolean;
  readonly warn: (message: string) => void;
}

export class ImportedMounts {
  private readonly entries = new Map<string, { cache: LoadedCache; layer: CacheLayer }>();

  constructor(caches: readonly LoadedCache[], private readonly opts: ImportedMountsOptions) {
    for (const cache of caches) {
      for (const layer of cache.config.layers ?? []) {
        const identity = layer.annotations?.additional?.[CACHE_MOUNT_KEY];
        if (identity !== undefined && IDENTITY_RE.test(identity) && !this.entries.has(identity)) this.entries.set(identity, { cache, layer });
      }
    }
  }

  get size(): number {
    return this.entries.size;
  }

  has(identity: string): boolean {
    return this.entries.has(identity);
  }

  /**
   * Carry an entry forward into a new export (a build whose RUN was cached did not lease the cache, but the
   * cache it imported has its content): the blob is fetched into the content store and the layer returned as
   * the imported cache had it. Undefined when no imported cache has the identity or its blob cannot be had.
   */
  async carry(identity: string, o: { signal: AbortSignal; createdAt: string }): Promise<{ layer: CacheLayer; descriptor: Descriptor } | undefined> {
    const hit = this.entries.get(identity);
    if (hit === undefined) return undefined;
    const { signal } = o;
    try {
      const descriptor = cacheLayerDescriptor(hit.layer, o.createdAt);
      await hit.cache.fetchBlob(descriptor, this.opts.content, signal);
      return { layer: hit.layer, descriptor };
    } catch (e) {
      if (signal.aborted) throw e;
      this.opts.warn(`${hit.cache.name}: cache mount ${identity.slice(0, 12)} (blob ${hit.layer.blob}) not carried into the export: ${e instanceof Error ? e.message : String(e)}`);
      return undefined;
    }
  }

  /** CacheMountImporter: fill the empty `dataDir` with the imported content; false if there is none or it failed. */
  async fill(identity: string, dataDir: string, signal?: AbortSignal): Promise<boolean> {
    const hit = this.entries.get(identity);
    if (hit === undefined) return false;
    if (!isAbsolute(dataDir)) throw new Error(`cache mount dir must be absolute: ${dataDir}`);
    const { cache, layer } = hit;
    try {
      const a = layer.annotations ?? {};
      if (a.mediaType === undefined || a.diffID === undefined) throw new Error('the layer lacks its media type or diffID');
      const s = signal ?? new AbortController().signal;
      await cache.fetchBlob({ digest: layer.blob, ...(a.size !== undefined ? { size: a.size } : {}) }, this.opts.content, s);
      const { diffId } = await unpackLayer({
        blobPath: this.opts.content.path(layer.blob), mediaType: a.mediaType, dest: dataDir,
        rootless: this.opts.rootless, format: 'oci', signal: s,
      });
      if (diffId !== a.diffID) throw new Error(`it unpacks to ${diffId}, the cache config says ${a.diffID}`);
      return true;
    } catch (e) {
      if (signal?.aborted) throw e;
      this.opts.warn(`${cache.name}: cache mount ${identity.slice(0, 12)} (blob ${layer.blob}) not used: ${e instanceof Error ? e.message : String(e)}; starting it empty`);
      return false;
    }
  }
}

const perWorker = new WeakMap<Worker, ImportedMounts>();

/** Make the imported caches' mount entries available to this worker's cache mounts (worker-mounts.ts). */
export function registerImportedMounts(worker: Worker, caches: readonly LoadedCache[], progress: ProgressSink): void {
  const mounts = new ImportedMounts(caches, { content: worker.content, rootless: worker.rootless, warn: (m) => progress.warn(m) });
  if (mounts.size > 0) perWorker.set(worker, mounts);
}

/** The worker's imported cache mounts, if any were registered. */
export function importedMountsOf(worker: Worker): ImportedMounts | undefined {
  return perWorker.get(worker);
}
