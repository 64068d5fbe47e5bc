/**
 * --export-cache type=local,dest=DIR[,tag=T]: an OCI image layout as BuildKit's local cache exporter writes it:
 * the layer blobs, the cache config blob and the cache's manifest (cache-manifest.ts: an image index listing
 * both, layers first, the config last; or an image manifest) under blobs/sha256, and index.json naming it with
 * org.opencontainers.image.ref.name = tag (default "latest"). An existing layout is updated: blobs are added (content-addressed, each published by rename), then
 * index.json is replaced atomically, keeping entries of other tags. Until that rename the old cache reads as before.
 */
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { MediaType } from '../../oci/media-types.js';
import { IndexCheck, type Descriptor } from '../../oci/schemas.js';
import type { ContentStore } from '../../output/index.js';
import { copyLayoutBlob, writeLayoutBlob, writeLayoutFile } from '../../output/layout-files.js';
import { OCI_LAYOUT_JSON } from '../../output/oci-layout.js';
import { statIfExists } from '../../util/fs.js';
import { cacheConfigBlob, cacheManifest, type CacheManifestOptions } from './cache-manifest.js';
import type { CollectedCache } from './collect.js';

export const REF_NAME = 'org.opencontainers.image.ref.name';
/** index.json of a layout we update comes from outside: cap it before parsing. */
const MAX_INDEX_BYTES = 16 << 20;

export interface LocalCacheTarget {
  readonly dest: string;
  readonly tag: string;
  readonly manifest: CacheManifestOptions;
}

/** Write the cache; returns the descriptor of the cache's manifest (an image index unless image-manifest=true). */
export async function writeLocalCache(store: ContentStore, cache: CollectedCache, target: LocalCacheTarget): Promise<Descriptor> {
  const blobDir = path.join(target.dest, 'blobs', 'sha256');
  await mkdir(blobDir, { recursive: true });
  for (const l of cache.layers) await copyLayoutBlob(store.path(l.digest), blobDir, l);
  const config = cacheConfigBlob(cache.config);
  const manifest = cacheManifest(cache.layers, config.descriptor, target.manifest);
  await writeLayoutBlob(blobDir, config.descriptor, config.bytes);
  await writeLayoutBlob(blobDir, manifest.descriptor, manifest.bytes);
  await writeLayoutFile(path.join(target.dest, 'oci-layout'), OCI_LAYOUT_JSON);
  const others = (await readIndexEntries(path.join(target.dest, 'index.json'))).filter((d) => d.annotations?.[REF_NAME] !== target.tag);
  const entry: Descriptor = { ...manifest.descriptor, annotations: { [REF_NAME]: target.tag } };
  const top = { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [...others, entry] };
  await writeLayoutFile(path.join(target.dest, 'index.json'), Buffer.from(JSON.stringify(top)));
  return manifest.descriptor;
}

/** The entries of an existing index.json; none if there is none, or it is not an index (it is replaced). */
export async function readIndexEntries(file: string): Promise<Descriptor[]> {
  const size = (await statIfExists(file))?.size;
  if (size === undefined || size > MAX_INDEX_BYTES) return [];
  try {
    const value: unknown = JSON.parse(await readFile(file, 'utf8'));
    return IndexCheck.Check(value) ? value.manifests : [];
  } catch (e) {
    if (e instanceof SyntaxError) return [];
    throw e;
  }
}
