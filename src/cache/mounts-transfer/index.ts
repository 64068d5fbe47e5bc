/**
 * RUN --mount=type=cache contents carried by --export-cache/--import-cache (mounts=true): export.ts adds this
 * build's cache mounts to a collected cache; import.ts fills new cache mount instances from imported caches.
 */
export { addCacheMounts, collectCacheMounts, withCacheMounts, type CollectedMounts, type CollectMountsOptions } from './export.js';
export { ImportedMounts, registerImportedMounts, importedMountsOf, type ImportedMountsOptions } from './import.js';
export { cacheMountsOf } from './worker-mounts.js';
export { dirFingerprint } from './fingerprint.js';
