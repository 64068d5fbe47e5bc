/**
 * --import-cache, before the solve: load each cache's config (not its layers) and hand the solver one lookup.
 * A cache that cannot be read (missing, unauthorized, not a cache) is a warning and the build goes on without
 * it, as BuildKit does. type=local reads a layout (local.ts); type=registry a cache or an image with an inline
 * cache (registry.ts).
 */
import type { CacheSpec } from '../../build/request.js';
import type { ProgressSink } from '../../progress/types.js';
import type { ImportedLookup } from '../../solver/solver.js';
import type { Worker } from '../../solver/worker.js';
import { registerImportedMounts } from '../mounts-transfer/index.js';
import { ImportedCache } from './imported-cache.js';
import { loadLocalCache, type LoadedCache } from './local.js';
import { loadRegistryCache } from './registry.js';

export type { LoadedCache } from './local.js';

export interface ImportedCaches {
  /** For SolverOptions.imported; undefined when no cache could be loaded. */
  readonly lookup: ImportedLookup | undefined;
  /** After the build: release what the caches hold open (registry connections). */
  close(): Promise<void>;
}

export async function loadImportedCaches(specs: readonly CacheSpec[], worker: Worker, progress: ProgressSink, signal: AbortSignal): Promise<ImportedCaches> {
  const loaded: LoadedCache[] = [];
  const closers: (() => Promise<void>)[] = [];
  for (const spec of specs) {
    const name = `type=${spec.type},${spec.type === 'local' ? `src=${spec.attrs['src']!}` : `ref=${spec.attrs['ref'] ?? ''}`}`;
    try {
      if (spec.type === 'local') {
        loaded.push(await loadLocalCache(spec.attrs));
      } else if (spec.type === 'registry') {
        const cache = await loadRegistryCache(spec.attrs, worker.registry);
        loaded.push(cache);
        closers.push(() => cache.close());
      } else {
        progress.warn(`--import-cache type=${spec.type} is not supported; ignored`);
      }
    } catch (e) {
      if (!(e instanceof SyntaxError) && !(e instanceof Error && 'code' in e)) throw e;
      // The loaders' own errors start with the cache's name; others (a file system error) get it here.
      progress.warn(`--import-cache ${e.message.startsWith(name) ? e.message : `${name}: ${e.message}`}; building without it`);
    }
  }
  // RUN --mount=type=cache contents of caches exported with mounts=true (no flag needed here): nothing is
  // fetched now; a cache mount is filled when a RUN of this build first uses it in this state dir.
  registerImportedMounts(worker, loaded, progress);
  const close = async (): Promise<void> => { await Promise.all(closers.map((c) => c())); };
  if (loaded.length === 0) return { lookup: undefined, close };
  const cache = new ImportedCache(loaded, worker);
  return { lookup: (key) => cache.lookup(key, signal), close };
}
