/**
 * --export-cache, run after the outputs are written: each spec collects the solved graph's records (mode
 * min|max) and writes them to its target. With ignore-error=true a failure is a warning, as in BuildKit.
 * type=registry and type=inline are not implemented yet: they fail (or warn with ignore-error).
 */
import type { CacheSpec } from '../../build/request.js';
import { BuildError, OutputError } from '../../errors.js';
import type { Compression } from '../../oci/media-types.js';
import type { ProgressSink } from '../../progress/types.js';
import type { Solver } from '../../solver/solver.js';
import type { Worker } from '../../solver/worker.js';
import { collectCache, type CacheMode } from './collect.js';
import { writeLocalCache } from './local.js';

export interface ExportCacheContext {
  readonly solver: Solver;
  /** The build result's vertex digest. */
  readonly output: string;
  readonly worker: Worker;
  readonly progress: ProgressSink;
}

export async function exportCaches(specs: readonly CacheSpec[], ctx: ExportCacheContext): Promise<void> {
  for (const spec of specs) {
    try {
      await exportCache(spec, ctx);
    } catch (e) {
      if (spec.attrs['ignore-error'] !== 'true') throw e;
      ctx.progress.warn(`--export-cache type=${spec.type}: ${e instanceof Error ? e.message : String(e)} (ignored: ignore-error=true)`);
    }
  }
}

async function exportCache(spec: CacheSpec, ctx: ExportCacheContext): Promise<void> {
  if (spec.type !== 'local') throw new OutputError(`--export-cache type=${spec.type} is not supported yet`, { hint: 'use type=local,dest=DIR' });
  const a = spec.attrs;
  const mode: CacheMode = a['mode'] === 'max' ? 'max' : 'min';
  const v = ctx.progress.vertex(`exporting cache to ${a['dest']!} (mode=${mode})`);
  v.start();
  try {
    const cache = await collectCache({
      records: await ctx.solver.records(), output: ctx.output, mode, worker: ctx.worker,
      lookupLocal: (key) => ctx.solver.lookupLocal(key),
      blobs: {
        compression: (a['compression'] ?? 'gzip') as Compression, ociMediaTypes: a['oci-mediatypes'] !== 'false',
        forceCompression: a['force-compression'] === 'true',
        ...(a['compression-level'] !== undefined ? { level: Number(a['compression-level']) } : {}),
      },
    });
    await writeLocalCache(ctx.worker.content, cache, { dest: a['dest']!, tag: a['tag'] ?? 'latest' });
    v.done();
  } catch (e) {
    v.error(e instanceof BuildError ? e.message : String((e as Error).message ?? e));
    throw e;
  }
}
