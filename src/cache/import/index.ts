/**
 * --import-cache, before the solve: load each cache's config (not its layers) and hand the solver one lookup.
 * A cache that cannot be read is a warning and the build goes on without it, as BuildKit does.
 * type=registry (and inline caches in images) are not implemented yet: a warning.
 */
import type { CacheSpec } from '../../build/request.js';
import type { ProgressSink } from '../../progress/types.js';
import type { ImportedLookup } from '../../solver/solver.js';
import type { Worker } from '../../solver/worker.js';
import { ImportedCache } from './imported-cache.js';
import { loadLocalCache, type LoadedCache } from './local.js';

export async function loadImportedCaches(specs: readonly CacheSpec[], worker: Worker, progress: ProgressSink, signal: AbortSignal): Promise<ImportedLookup | undefined> {
  const loaded: LoadedCache[] = [];
  for (const spec of specs) {
    if (spec.type !== 'local') {
      progress.warn(`--import-cache type=${spec.type} is not supported yet; ignored`);
      continue;
    }
    try {
      loaded.push(await loadLocalCache(spec.attrs));
    } catch (e) {
      if (!(e instanceof SyntaxError) && !(e instanceof Error && 'code' in e)) throw e;
      progress.warn(`--import-cache type=local,src=${spec.attrs['src']!}: ${e.message}; building without it`);
    }
  }
  if (loaded.length === 0) return undefined;
  const cache = new ImportedCache(loaded, worker);
  return (key) => cache.lookup(key, signal);
}
