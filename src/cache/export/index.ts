/**
 * --export-cache, run after the outputs are written: each spec collects the solved graph's records (mode
 * min|max) and writes them to its target (type=local: an OCI layout; type=registry: pushed). With
 * ignore-error=true a failure is a warning, as in BuildKit. type=inline is written by the image outputs
 * themselves (inline.ts: runBuild hands them inlineCacheProvider); here it only warns when no output took it.
 */
import type { CacheSpec } from '../../build/request.js';
import { BuildError } from '../../errors.js';
import type { Compression } from '../../oci/media-types.js';
import type { ProgressSink } from '../../progress/types.js';
import type { Solver } from '../../solver/solver.js';
import type { Worker } from '../../solver/worker.js';
import type { CacheManifestOptions } from './cache-manifest.js';
import { addCacheMounts } from '../mounts-transfer/index.js';
import { collectCache, type CacheMode } from './collect.js';
import { writeLocalCache } from './local.js';
import { writeRegistryCache } from './registry.js';

export { inlineCacheProvider, type InlineCacheProvider } from './inline.js';

export interface ExportCacheContext {
  readonly solver: Solver;
  /** The build result's vertex digest. */
  readonly output: string;
  readonly worker: Worker;
  readonly progress: ProgressSink;
  /** Whether an image output embedded the inline cache (undefined: no type=inline was asked for). */
  readonly inlineUsed?: boolean;
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
  if (spec.type === 'inline') {
    if (ctx.inlineUsed !== true) ctx.progress.warn('--export-cache type=inline: no image output (type=image, registry, oci or docker) to embed the cache in; nothing exported');
    return;
  }
  const a = spec.attrs;
  const mode: CacheMode = a['mode'] === 'max' ? 'max' : 'min';
  const manifest: CacheManifestOptions = { imageManifest: a['image-manifest'] === 'true', oci: a['oci-mediatypes'] !== 'false' };
  // BuildKit's vertex names: "exporting cache to registry" / "exporting cache to client directory".
  const v = ctx.progress.vertex(spec.type === 'registry' ? 'exporting cache to registry' : `exporting cache to ${a['dest']!} (mode=${mode})`);
  v.start();
  try {
    const blobs = {
      compression: (a['compression'] ?? 'gzip') as Compression, ociMediaTypes: manifest.oci,
      forceCompression: a['force-compression'] === 'true',
      ...(a['compression-level'] !== undefined ? { level: Number(a['compression-level']) } : {}),
    };
    const records = await collectCache({
      records: await ctx.solver.records(), output: ctx.output, mode, worker: ctx.worker,
      lookupLocal: (key) => ctx.solver.lookupLocal(key), blobs,
    });
    // mounts=true: the RUN --mount=type=cache dirs this build used, as more layers (cache-config.ts CACHE_MOUNT_KEY).
    const cache = a['mounts'] === 'true' ? await addCacheMounts(records, { worker: ctx.worker, definition: ctx.solver.definition, blobs }) : records;
    v.status('preparing build cache for export done');
    if (spec.type === 'registry') {
      await writeRegistryCache(ctx.worker, cache, { ref: a['ref']!, insecure: a['registry.insecure'] === 'true', manifest }, v);
    } else {
      await writeLocalCache(ctx.worker.content, cache, { dest: a['dest']!, tag: a['tag'] ?? 'latest', manifest });
    }
    v.done();
  } catch (e) {
    v.error(e instanceof BuildError ? e.message : String((e as Error).message ?? e));
    throw e;
  }
}
