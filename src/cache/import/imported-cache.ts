/**
 * Imported caches as one more cache source for the solver (SolverOptions.imported), consulted after the state
 * dir misses. Lazy: a record's layers are copied into the content store (digest-checked) and unpacked into the
 * layer store only when its key is looked up and hits (base image layers keep their blob, others get their blob
 * seeded for the image exporters: seed-blob-record.ts); a layer the state dir already has is used as it is.
 * Several caches: the first that has the key wins.
 */
import { LayerError } from '../../errors.js';
import type { Layer } from '../layer-store.js';
import { layerFormatOf, unpackLayer } from '../../snapshot/index.js';
import type { Result } from '../../solver/result.js';
import type { Worker } from '../../solver/worker.js';
import { seedBlobRecord } from './seed-blob-record.js';
import { BASE_KEY, EMPTY_KEY, LAYER_ID_KEY, layerChain, type CacheLayer, type CacheRecord } from '../export/cache-config.js';
import type { LoadedCache } from './local.js';

const ID_RE = /^[a-f0-9]{64}$/;

export class ImportedCache {
  private readonly records = new Map<string, { cache: LoadedCache; record: CacheRecord }>();
  private readonly ensuring = new Map<string, Promise<Layer>>();

  constructor(caches: readonly LoadedCache[], private readonly worker: Worker) {
    for (const cache of caches) {
      for (const record of cache.config.records ?? []) {
        if (!this.records.has(record.digest) && (record.layers?.length ?? 0) > 0) this.records.set(record.digest, { cache, record });
      }
    }
  }

  get size(): number {
    return this.records.size;
  }

  /** The results recorded under `key`, their layers unpacked; undefined if no cache has it. */
  async lookup(key: string, signal: AbortSignal): Promise<Result[] | undefined> {
    const hit = this.records.get(key);
    if (hit === undefined) return undefined;
    const chain = layerChain(hit.cache.config, hit.record.layers![0]!.layer);
    const layers = await Promise.all(chain.map((l) => this.ensureLayer(hit.cache, l, signal)));
    return [{ kind: 'snapshot', layers }];
  }

  private ensureLayer(cache: LoadedCache, l: CacheLayer, signal: AbortSignal): Promise<Layer> {
    const id = l.annotations?.additional?.[LAYER_ID_KEY];
    if (id === undefined || !ID_RE.test(id)) return Promise.reject(new LayerError(`${cache.name}: layer ${l.blob} has no layer id`));
    let p = this.ensuring.get(id);
    if (p === undefined) {
      p = this.unpack(cache, l, id, signal);
      this.ensuring.set(id, p);
    }
    return p;
  }

  private async unpack(cache: LoadedCache, l: CacheLayer, id: string, signal: AbortSignal): Promise<Layer> {
    const { worker } = this;
    const existing = await worker.layers.get(id);
    if (existing) return existing;
    const a = l.annotations ?? {};
    // A step that changed nothing: nothing to fetch or unpack (an image's manifest, and so an inline cache, has no blob for it).
    if (a.additional?.[EMPTY_KEY] === 'true') {
      const empty = await worker.layers.create();
      return worker.layers.commit(empty, id, { empty: true }).catch(async (e: unknown) => { await worker.layers.discard(empty); throw e; });
    }
    if (a.mediaType === undefined || a.diffID === undefined) throw new LayerError(`${cache.name}: layer ${l.blob} lacks its media type or diffID`);
    await cache.fetchBlob({ digest: l.blob, ...(a.size !== undefined ? { size: a.size } : {}) }, worker.content, signal);
    const size = (await worker.content.size(l.blob))!;
    const pending = await worker.layers.create();
    try {
      const { diffId } = await unpackLayer({
        blobPath: worker.content.path(l.blob), mediaType: a.mediaType, dest: pending.diff,
        rootless: worker.rootless, format: layerFormatOf(worker.snapshotter), signal,
      });
      if (diffId !== a.diffID) throw new LayerError(`${cache.name}: layer ${l.blob} unpacks to ${diffId}, the cache config says ${a.diffID}`);
      // A base image's layer keeps its blob in its meta, as when pulled; any other layer's blob is seeded for
      // the exporters (the meta's blob would make it count as a base layer for SOURCE_DATE_EPOCH/rewrite-timestamp).
      if (a.additional?.[BASE_KEY] === 'true') {
        return await worker.layers.commit(pending, id, { diffId, blob: { digest: l.blob, size, mediaType: a.mediaType } });
      }
      const layer = await worker.layers.commit(pending, id, { empty: false });
      await seedBlobRecord({ contentRoot: worker.content.root, layerId: id, mediaType: a.mediaType, digest: l.blob, size, diffId });
      return layer;
    } catch (e) {
      await worker.layers.discard(pending);
      throw e;
    }
  }
}
