/**
 * The cache mount store of a worker (one per build): `<state>/cache-mounts`, with the worker's imported cache
 * mounts (import.ts) as its importer. One store per worker, so its usedMounts() are this build's caches only.
 * Each cache is leased (worker.layers.lease) before use, so a concurrent prune keeps it.
 * The importer is looked up when an instance is seeded, so caches registered after the store was made count.
 */
import path from 'node:path';
import { CacheMounts } from '../cache-mounts.js';
import type { Worker } from '../../solver/worker.js';
import { importedMountsOf } from './import.js';

const stores = new WeakMap<Worker, CacheMounts>();

export function cacheMountsOf(worker: Worker): CacheMounts {
  let c = stores.get(worker);
  if (!c) {
    c = new CacheMounts(path.join(worker.state.root, 'cache-mounts'), {
      importer: async (identity, dataDir, signal) => (await importedMountsOf(worker)?.fill(identity, dataDir, signal)) ?? false,
      onUse: (identity) => worker.layers.lease.add(identity),
    });
    stores.set(worker, c);
  }
  return c;
}
