/**
 * The cache mounts a build's graph uses, whether or not their RUN executed: what an export with mounts=true must
 * keep even when every RUN was a cache hit (else re-exporting a fully cached build to the same ref would drop
 * them). Only caches without `from=`: their identity (CacheMounts.cacheDir) is known from the op alone; one
 * seeded from a stage is named by that stage's layers, which a cached build may never have loaded.
 */
import path from 'node:path';
import type { Definition } from '../../llb/definition.js';
import type { CacheSharing } from '../../llb/ops.js';
import { cacheMountIdentityOf, type CacheMounts } from '../cache-mounts.js';

export interface ReferencedCacheMount {
  readonly identity: string;
  readonly sharing: CacheSharing;
}

export function referencedCacheMounts(def: Definition, mounts: CacheMounts): ReferencedCacheMount[] {
  const out = new Map<string, ReferencedCacheMount>();
  for (const { op } of def.ops.values()) {
    if (op.kind !== 'exec') continue;
    for (const m of op.mounts) {
      if (m.type !== 'cache' || m.input >= 0) continue;
      const identity = path.basename(mounts.cacheDir(cacheMountIdentityOf(m)));
      if (!out.has(identity)) out.set(identity, { identity, sharing: m.cacheSharing ?? 'shared' });
    }
  }
  return [...out.values()];
}
