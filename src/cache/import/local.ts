/**
 * --import-cache type=local,src=DIR[,tag=T|digest=D]: read a cache layout written by type=local (ours; BuildKit's
 * has the same shape but other keys). index.json's entry with ref.name = tag (default "latest"), or the entry
 * with that digest, names the cache's manifest (cache-parts.ts: an image index with an
 * application/vnd.buildkit.cacheconfig.v0 entry, or an image manifest with that config). Everything read is size-capped, digest-checked and schema-checked before use.
 * Layer blobs are NOT read here: the imported cache opens them only for the records that hit.
 */
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { DigestMismatchError, isErrno, LayerError } from '../../errors.js';
import { sha256Digest } from '../../oci/digest.js';
import type { Descriptor } from '../../oci/schemas.js';
import { decodeManifest } from '../../registry/manifest-fetch.js';
import { cachePartsOf } from './cache-parts.js';
import { CACHE_CONFIG_MEDIA_TYPE, CacheConfigCheck, type CacheConfig } from '../export/cache-config.js';
import { readIndexEntries, REF_NAME } from '../export/local.js';
import type { ContentStore } from '../../output/index.js';

const MAX_JSON_BYTES = 64 << 20;

export interface LoadedCache {
  /** For messages: where it came from. */
  readonly name: string;
  readonly config: CacheConfig;
  /**
   * Put one of the cache's blobs into the content store unless it is there, digest-checked as it is written
   * (a foreign cache is never trusted). Only called for the blobs of records that hit.
   */
  fetchBlob(desc: { readonly digest: string; readonly size?: number }, content: ContentStore, signal: AbortSignal): Promise<void>;
}

export async function loadLocalCache(attrs: Readonly<Record<string, string>>): Promise<LoadedCache> {
  const src = attrs['src']!;
  const name = `type=local,src=${src}`;
  const blobPath = (digest: string): string => path.join(src, 'blobs', 'sha256', digest.replace(/^sha256:/, ''));
  const entries = await readIndexEntries(path.join(src, 'index.json'));
  const want = attrs['digest'];
  const tag = attrs['tag'] ?? 'latest';
  const entry = want !== undefined ? entries.find((d) => d.digest === want) : entries.find((d) => d.annotations?.[REF_NAME] === tag);
  if (entry === undefined) throw new LayerError(`${name}: no cache ${want !== undefined ? `with digest ${want}` : `tagged "${tag}"`} in ${path.join(src, 'index.json')}`);
  const doc = decodeManifest({ bytes: await readBlob(blobPath(entry.digest), entry, name), expectedDigest: entry.digest, what: `${name}: ${entry.digest}` });
  const parts = cachePartsOf(doc);
  if (parts === undefined) throw new LayerError(`${name}: ${entry.digest} has no ${CACHE_CONFIG_MEDIA_TYPE}`);
  const config = parseCacheConfig(await readBlob(blobPath(parts.config.digest), parts.config, name), `${name}: the cache config ${parts.config.digest}`);
  const fetchBlob = async (desc: { digest: string }, content: ContentStore, signal: AbortSignal): Promise<void> => {
    signal.throwIfAborted();
    if (await content.has(desc.digest)) return;
    try {
      // Copied, not linked, so the digest is checked as it is written.
      await content.writeStream(createReadStream(blobPath(desc.digest)), desc.digest);
    } catch (e) {
      if (isErrno(e, 'ENOENT')) throw new LayerError(`${name}: blob ${desc.digest} is missing`);
      if (e instanceof DigestMismatchError) throw new DigestMismatchError(`${name}: blob ${desc.digest} does not match its digest (it was changed after the export)`);
      throw e;
    }
  };
  return { name, config, fetchBlob };
}

/** The cache config from its (verified) bytes, schema-checked; throws LayerError naming `what`. */
export function parseCacheConfig(bytes: Buffer, what: string): CacheConfig {
  let config: unknown;
  try {
    config = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new LayerError(`${what} is not valid JSON`);
  }
  if (!CacheConfigCheck.Check(config)) throw new LayerError(`${what} is not a valid cache config`);
  return config;
}

async function readBlob(file: string, d: Descriptor, name: string): Promise<Buffer> {
  if (d.size > MAX_JSON_BYTES) throw new LayerError(`${name}: ${d.digest} is larger than ${MAX_JSON_BYTES} bytes`);
  let bytes: Buffer;
  try {
    if ((await stat(file)).size !== d.size) throw new LayerError(`${name}: blob ${d.digest} has the wrong size`);
    bytes = await readFile(file);
  } catch (e) {
    if (isErrno(e, 'ENOENT')) throw new LayerError(`${name}: blob ${d.digest} is missing`);
    throw e;
  }
  if (sha256Digest(bytes) !== d.digest) throw new LayerError(`${name}: blob ${d.digest} does not match its digest`);
  return bytes;
}
