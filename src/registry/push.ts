/**
 * Push one image (a manifest, its config and layers) to one repository: every blob first, in parallel, and
 * the manifest only once all of them are there, so a failed push never leaves a tag pointing at missing
 * blobs. The first blob that fails stops the others. Errors are one line, credential-free, and start with
 * `failed to push NAME` (BuildKit's wording).
 */
import { RegistryError } from '../errors.js';
import { sha256Digest } from '../oci/digest.js';
import { Limiter } from '../output/limiter.js';
import type { RegistryClient } from './client.js';
import { ImageReference } from './reference.js';
import { pushBlob, type BlobPushResult, type BlobToPush } from './push-blob.js';
import { pushManifest, type ManifestToPush } from './push-manifest.js';
import { UnauthorizedError } from './registry-errors.js';
import { DEFAULT_RETRY, type RetryPolicy } from './retry.js';

export interface ImageToPush {
  manifest: ManifestToPush;
  /** The config and the layers. */
  blobs: readonly BlobToPush[];
}

export interface PushImageOptions {
  /** The name as the user wrote it, for messages (default: the normalized reference). */
  displayName?: string;
  /** Put the manifest under its digest only, no tag (push-by-digest). */
  byDigest?: boolean;
  /** Blob uploads at a time (default 4). */
  concurrency?: number;
  /** PATCH chunk size and single-PUT limit (default 32 MiB). */
  chunkSize?: number;
  retry?: RetryPolicy;
  /** Per request (default 120 s). */
  timeoutMs?: number;
  signal?: AbortSignal | undefined;
  /** Called as each blob is done. */
  onBlob?(digest: string, result: BlobPushResult): void;
}

export interface PushedImage {
  /** The pushed reference pinned to the manifest digest (keeps the tag unless pushed by digest). */
  ref: ImageReference;
  digest: string;
  /** How many blobs were already there, mounted from another repository, or uploaded. */
  counts: Record<BlobPushResult, number>;
}

export const DEFAULT_CHUNK_SIZE = 32 << 20;
const DEFAULT_TIMEOUT_MS = 120_000;

export async function pushImage(client: RegistryClient, target: ImageReference, image: ImageToPush, opts: PushImageOptions = {}): Promise<PushedImage> {
  const name = opts.displayName ?? target.toString();
  const retry = opts.retry ?? DEFAULT_RETRY;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const stop = new AbortController();
  const signal = opts.signal !== undefined ? AbortSignal.any([opts.signal, stop.signal]) : stop.signal;
  const limiter = new Limiter(opts.concurrency ?? 4);
  const counts: Record<BlobPushResult, number> = { exists: 0, mounted: 0, uploaded: 0 };
  let failed: { digest: string; error: unknown } | undefined;

  const unique = [...new Map(image.blobs.map((b) => [b.descriptor.digest, b])).values()];
  await Promise.all(unique.map((blob) => limiter.run(async () => {
    if (signal.aborted) return;
    try {
      const result = await pushBlob(client, target, blob, { chunkSize: opts.chunkSize ?? DEFAULT_CHUNK_SIZE, retry, timeoutMs, signal });
      counts[result]++;
      opts.onBlob?.(blob.descriptor.digest, result);
    } catch (error) {
      if (failed === undefined && !(opts.signal?.aborted ?? false)) failed = { digest: blob.descriptor.digest, error };
      stop.abort();
    }
  })));
  opts.signal?.throwIfAborted();
  if (failed !== undefined) {
    // Name the blob when the registry said something about it; a refused login or an unknown host is not about one blob.
    const aboutBlob = failed.error instanceof RegistryError && !(failed.error instanceof UnauthorizedError);
    const where = aboutBlob ? `: blob ${failed.digest}` : '';
    throw await client.userError(`failed to push ${name}${where}`, target, failed.error);
  }

  try {
    const tag = opts.byDigest === true ? undefined : target.tag;
    const digest = await pushManifest(client, target, image.manifest, {
      reference: tag ?? sha256Digest(image.manifest.bytes), retry, timeoutMs, signal: opts.signal,
    });
    return { ref: new ImageReference({ domain: target.domain, path: target.path, tag, digest }), digest, counts };
  } catch (e) {
    throw await client.userError(`failed to push ${name}: manifest`, target, e);
  }
}
