/**
 * --export-cache type=local,dest=DIR[,tag=T]: an OCI image layout as BuildKit's local cache exporter writes it:
 * the layer blobs, the cache config blob and the cache's manifest (cache-manifest.ts: an image index listing
 * both, layers first, the config last; or an image manifest) under blobs/sha256, and index.json naming it with
 * org.opencontainers.image.ref.name = tag (default "latest"). An existing layout is updated: blobs are added (content-addressed, each published by rename), then
 * index.json is replaced atomically, keeping entries of other tags. Until that rename the old cache reads as before.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { copyFile, mkdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isErrno } from '../../errors.js';
import { MediaType } from '../../oci/media-types.js';
import { IndexCheck, type Descriptor } from '../../oci/schemas.js';
import type { ContentStore } from '../../output/index.js';
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
  for (const l of cache.layers) await copyBlob(store.path(l.digest), path.join(blobDir, l.digest.slice(7)), l.size);
  const config = cacheConfigBlob(cache.config);
  const manifest = cacheManifest(cache.layers, config.descriptor, target.manifest);
  await writeBlob(blobDir, config.descriptor, config.bytes);
  await writeBlob(blobDir, manifest.descriptor, manifest.bytes);
  await writeAtomic(path.join(target.dest, 'oci-layout'), Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' })));
  const others = (await readIndexEntries(path.join(target.dest, 'index.json'))).filter((d) => d.annotations?.[REF_NAME] !== target.tag);
  const entry: Descriptor = { ...manifest.descriptor, annotations: { [REF_NAME]: target.tag } };
  const top = { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [...others, entry] };
  await writeAtomic(path.join(target.dest, 'index.json'), Buffer.from(JSON.stringify(top)));
  return manifest.descriptor;
}

function tmpName(p: string): string {
  return `${p}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
}

async function sizeOf(p: string): Promise<number | undefined> {
  try {
    return (await stat(p)).size;
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return undefined;
    throw e;
  }
}

/** Copy (reflink where the filesystem can) a content-addressed blob unless it is already there. */
async function copyBlob(from: string, to: string, size: number): Promise<void> {
  if ((await sizeOf(to)) === size) return;
  const tmp = tmpName(to);
  try {
    await copyFile(from, tmp, constants.COPYFILE_FICLONE | constants.COPYFILE_EXCL);
    await rename(tmp, to);
  } finally {
    await unlink(tmp).catch((e: unknown) => { if (!isErrno(e, 'ENOENT')) throw e; });
  }
}

async function writeBlob(blobDir: string, d: Descriptor, bytes: Buffer): Promise<void> {
  const to = path.join(blobDir, d.digest.slice(7));
  if ((await sizeOf(to)) === d.size) return;
  await writeAtomic(to, bytes);
}

async function writeAtomic(p: string, data: Buffer): Promise<void> {
  const tmp = tmpName(p);
  try {
    await writeFile(tmp, data, { flag: 'wx' });
    await rename(tmp, p);
  } finally {
    await unlink(tmp).catch((e: unknown) => { if (!isErrno(e, 'ENOENT')) throw e; });
  }
}

/** The entries of an existing index.json; none if there is none, or it is not an index (it is replaced). */
export async function readIndexEntries(file: string): Promise<Descriptor[]> {
  const size = await sizeOf(file);
  if (size === undefined || size > MAX_INDEX_BYTES) return [];
  try {
    const value: unknown = JSON.parse(await readFile(file, 'utf8'));
    return IndexCheck.Check(value) ? value.manifests : [];
  } catch (e) {
    if (e instanceof SyntaxError) return [];
    throw e;
  }
}
