/**
 * Compressed layer blobs, made once per (layer key, compression) and shared by every output and cache export.
 * In process, concurrent requests for one pair share a promise; across runs a small JSON record
 * `<store>/layer-records/<sha256(key)>.<compression>.json`, written after the blob is published, says which
 * blob holds the layer. Two processes may both compress a layer; both publish the same bytes (the
 * compressors are deterministic) and the store's link-or-EEXIST publish makes that harmless.
 * The level is not part of the key: as in BuildKit, an existing blob of the asked compression is reused.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { availableParallelism } from 'node:os';
import { mkdir, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { DigestMismatchError } from '../errors.js';
import { layerCompression, layerMediaType, MediaType, type Compression } from '../oci/media-types.js';
import type { Descriptor } from '../oci/schemas.js';
import { compressStream, decompressStream } from './compress.js';
import { HashingStream, type ContentStore } from './content-store.js';
import { Limiter } from './limiter.js';
import { settleAll } from './stream-util.js';
import { readTextIfExists } from '../util/fs.js';

export interface LayerSource {
  /** Stable id of the layer content (e.g. its snapshot id). */
  key: string;
  /** An existing compressed blob for this layer (e.g. the base image's registry blob) that can be reused as is. */
  existingBlob?: { descriptor: Descriptor; path: string; diffId: string };
  /** Write the uncompressed layer tar to `out`. Ending `out` is optional: it is ended once this resolves. */
  diffTar(out: NodeJS.WritableStream): Promise<void>;
}

export interface LayerBlob { descriptor: Descriptor; diffId: string }

export interface LayerBlobOptions {
  compression: Compression;
  level?: number;
  ociMediaTypes: boolean;
  /** Recompress an existing blob whose compression differs from `compression` (BuildKit's force-compression). */
  forceCompression?: boolean;
}

/** Where the record came from: written by getLayerBlob below. */
const RecordSchema = Type.Object({
  key: Type.String(),
  compression: Type.Union([Type.Literal('gzip'), Type.Literal('zstd'), Type.Literal('uncompressed')]),
  digest: Type.String({ pattern: '^sha256:[a-f0-9]{64}$' }),
  size: Type.Integer({ minimum: 0 }),
  diffId: Type.String({ pattern: '^sha256:[a-f0-9]{64}$' }),
});
type LayerRecord = Static<typeof RecordSchema>;
const RecordCheck = TypeCompiler.Compile(RecordSchema);

/** Compressions run two at a time on 2 cores: one compresses while the other reads its snapshot. */
const compressions = new Limiter(Math.max(2, availableParallelism()));
const inflight = new Map<string, Promise<LayerRecord>>();

/** The media type of `mt` in the asked flavour (Docker <-> OCI), keeping types with no counterpart. */
function flavour(mt: string, oci: boolean): string {
  if (mt === MediaType.dockerForeignLayerGzip) return mt;
  try {
    return layerMediaType(layerCompression(mt), oci);
  } catch {
    return mt;
  }
}

export async function getLayerBlob(store: ContentStore, layer: LayerSource, opts: LayerBlobOptions): Promise<LayerBlob> {
  const existing = layer.existingBlob;
  const existingCompression = existing === undefined ? undefined : compressionOf(existing.descriptor.mediaType);
  if (existing !== undefined && (!opts.forceCompression || existingCompression === opts.compression)) {
    await store.importFile(existing.path, existing.descriptor.digest);
    const { mediaType, digest, size } = existing.descriptor;
    return { descriptor: { mediaType: flavour(mediaType, opts.ociMediaTypes), digest, size }, diffId: existing.diffId };
  }
  // Forced recompression of an existing blob transcodes its bytes (as BuildKit does): the layer tar, and so
  // its diff_id, stay the same. Re-tarring the unpacked snapshot would give other bytes.
  const source = existing !== undefined && existingCompression !== undefined ? transcodeSource(layer, existing, existingCompression) : layer;
  const memo = `${store.root}\0${layer.key}\0${opts.compression}`;
  let rec = inflight.get(memo);
  if (rec === undefined) {
    rec = loadOrMake(store, source, opts);
    inflight.set(memo, rec);
    rec.catch(() => inflight.delete(memo)); // a failure may be retried
  }
  const r = await rec;
  return {
    descriptor: { mediaType: layerMediaType(opts.compression, opts.ociMediaTypes), digest: r.digest, size: r.size },
    diffId: r.diffId,
  };
}

/** The layer's tar read back from its existing blob; the diff_id is checked once it has been read. */
function transcodeSource(layer: LayerSource, existing: NonNullable<LayerSource['existingBlob']>, from: Compression): LayerSource {
  return {
    key: layer.key,
    diffTar: async (out) => {
      const check = new HashingStream();
      await pipeline(createReadStream(existing.path, { highWaterMark: 1 << 20 }), decompressStream(from), check, out as NodeJS.WritableStream, { end: false });
      const got = check.digest();
      if (got !== existing.diffId) throw new DigestMismatchError(`layer ${existing.descriptor.digest}: uncompressed content is ${got}, its diff_id is ${existing.diffId}`);
    },
  };
}

function compressionOf(mt: string): Compression | undefined {
  try {
    return layerCompression(mt);
  } catch {
    return undefined;
  }
}

function recordPath(store: ContentStore, key: string, c: Compression): string {
  return join(store.root, 'layer-records', `${createHash('sha256').update(key).digest('hex')}.${c}.json`);
}

async function loadOrMake(store: ContentStore, layer: LayerSource, opts: LayerBlobOptions): Promise<LayerRecord> {
  const file = recordPath(store, layer.key, opts.compression);
  const found = await readRecord(file, layer.key);
  if (found !== undefined && (await store.size(found.digest)) === found.size) return found;
  const made = await compressions.run(() => makeBlob(store, layer, opts));
  const rec: LayerRecord = { key: layer.key, compression: opts.compression, ...made };
  await mkdir(join(store.root, 'layer-records'), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  await writeFile(tmp, JSON.stringify(rec));
  await rename(tmp, file).catch(async (e: unknown) => { await unlink(tmp).catch(() => undefined); throw e; });
  return rec;
}

async function readRecord(file: string, key: string): Promise<LayerRecord | undefined> {
  const text = await readTextIfExists(file);
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined; // a torn or foreign file: make the blob again and overwrite it
  }
  return RecordCheck.Check(value) && value.key === key ? value : undefined;
}

/** Stream diffTar -> sha256 (diffId) -> compressor -> content store, in one pass. */
async function makeBlob(store: ContentStore, layer: LayerSource, opts: LayerBlobOptions):
    Promise<{ digest: string; size: number; diffId: string }> {
  const raw = new PassThrough({ highWaterMark: 1 << 20 });
  const diff = new HashingStream();
  const tail = new PassThrough({ highWaterMark: 1 << 20 });
  const feeding = pipeline(raw, diff, compressStream(opts.compression, opts.level), tail);
  const writing = store.writeStream(tail);
  const producing = layer.diffTar(raw).then(
    () => { if (!raw.writableEnded) raw.end(); },
    (e: unknown) => { raw.destroy(e instanceof Error ? e : new Error(String(e))); throw e; },
  );
  await settleAll([producing, feeding, writing]);
  return { ...(await writing), diffId: diff.digest() };
}

