/**
 * Push one blob to a repository (OCI distribution spec, "Pushing blobs"):
 *   1. HEAD blobs/DIGEST: the repository has it already -> done;
 *   2. a cross-repository mount (POST uploads/?mount=DIGEST&from=REPO) from a repository of the same registry
 *      known to hold it (the base image's, or a name pushed before) -> done on 201; a 202 opens an upload;
 *   3. otherwise POST uploads/ opens an upload session, and the bytes go up either in one PUT (blobs up to
 *      `chunkSize`) or as PATCH chunks with Content-Range followed by a closing PUT ?digest=.
 * A chunked upload that fails with a retryable error asks the session where it stands (GET -> Range) and
 * resumes there; anything else retryable restarts the upload with a new session. Bytes are sent as they are
 * stored: a base image's compressed layer is never recompressed.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { DigestMismatchError, RegistryError } from '../errors.js';
import type { Descriptor } from '../oci/schemas.js';
import type { RegistryClient } from './client.js';
import { repositoryScope, type Action } from './auth.js';
import type { ImageReference } from './reference.js';
import { expectStatus, isRetryablePushError, locationOf, pushRequest, withQuery, type PushRequestOptions } from './push-request.js';
import { backoff, withRetry, type RetryPolicy } from './retry.js';

export interface BlobToPush {
  descriptor: Descriptor;
  /** The blob's bytes on disk, exactly as the descriptor describes them. */
  file: string;
  /** Repositories known to hold this blob; those on the target's registry are tried as mount sources. */
  knownIn?: readonly ImageReference[];
}

export interface PushBlobOptions {
  /** Blobs larger than this go up in PATCH chunks of this size; smaller ones in a single PUT. */
  chunkSize: number;
  retry: RetryPolicy;
  /** Per request (one chunk, one PUT). */
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  /** Bytes sent so far for this blob (restarts from the resume point on a retry). */
  onProgress?(bytes: number): void;
}

export type BlobPushResult = 'exists' | 'mounted' | 'uploaded';

const PUSH: readonly Action[] = ['pull', 'push'];
const OCTETS = { 'content-type': 'application/octet-stream' };

export async function pushBlob(client: RegistryClient, target: ImageReference, blob: BlobToPush, opts: PushBlobOptions): Promise<BlobPushResult> {
  const req: PushRequestOptions = { timeoutMs: opts.timeoutMs, signal: opts.signal };
  const digest = blob.descriptor.digest;
  const head = await pushRequest(client, target, { method: 'HEAD', path: `blobs/${digest}`, actions: PUSH }, req);
  if (head.res.status === 200) return 'exists';
  if (head.res.status !== 404) expectStatus(head, [200]);

  const source = blob.knownIn?.find((r) => r.domain === target.domain && r.path !== target.path);
  return withRetry(async (attempt) => {
    let location: string;
    if (source !== undefined && attempt === 1) {
      const mount = await pushRequest(client, target, {
        method: 'POST', path: `blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(source.path)}`,
        actions: PUSH, extraScopes: [repositoryScope(source.path, ['pull'])],
      }, req);
      if (mount.res.status === 201) return 'mounted';
      expectStatus(mount, [202]);
      location = locationOf(mount.res, digest);
    } else {
      const start = await pushRequest(client, target, { method: 'POST', path: 'blobs/uploads/', actions: PUSH }, req);
      expectStatus(start, [202]);
      location = locationOf(start.res, digest);
    }
    await upload(client, target, { blob, location, opts, req });
    return 'uploaded';
  }, { policy: opts.retry, isRetryable: isRetryablePushError, signal: opts.signal });
}

interface Upload { blob: BlobToPush; location: string; opts: PushBlobOptions; req: PushRequestOptions }

async function upload(client: RegistryClient, target: ImageReference, u: Upload): Promise<void> {
  const { descriptor } = u.blob;
  const file = await open(u.blob.file, 'r');
  try {
    const size = (await file.stat()).size;
    if (size !== descriptor.size) throw new DigestMismatchError(`blob ${descriptor.digest}: the stored file has ${size} bytes, its descriptor says ${descriptor.size}`);
    let location = u.location;
    let body: Buffer | undefined;
    if (size <= u.opts.chunkSize) {
      body = await readRange(file, 0, size);
    } else {
      location = await sendChunks(client, target, { ...u, file, size });
    }
    const put = await pushRequest(client, target, {
      method: 'PUT', url: withQuery(location, 'digest', descriptor.digest), actions: PUSH, headers: OCTETS, body: body ?? Buffer.alloc(0),
    }, u.req);
    expectStatus(put, [201, 204]);
    const stored = put.res.headers['docker-content-digest'];
    if (typeof stored === 'string' && stored !== '' && stored !== descriptor.digest) {
      throw new DigestMismatchError(`registry stored blob ${descriptor.digest} as ${stored}`);
    }
    u.opts.onProgress?.(size);
  } finally {
    await file.close();
  }
}

/** PATCH every chunk; returns the session's last location. Resumes where the registry says it stands. */
async function sendChunks(client: RegistryClient, target: ImageReference, u: Upload & { file: FileHandle; size: number }): Promise<string> {
  let location = u.location;
  let offset = 0;
  let failures = 0;
  while (offset < u.size) {
    const end = Math.min(offset + u.opts.chunkSize, u.size);
    const chunk = await readRange(u.file, offset, end);
    try {
      const res = await pushRequest(client, target, {
        method: 'PATCH', url: location, actions: PUSH, body: chunk,
        headers: { ...OCTETS, 'content-range': `${offset}-${end - 1}` },
      }, u.req);
      expectStatus(res, [202, 204]);
      location = locationOf(res.res, u.blob.descriptor.digest);
      offset = end;
      u.opts.onProgress?.(offset);
    } catch (e) {
      failures++;
      if (!isRetryablePushError(e) || failures >= u.opts.retry.attempts || u.opts.signal?.aborted === true) throw e;
      await backoff(u.opts.retry, failures, u.opts.signal);
      // distribution refuses a session whose state token is behind (a PATCH it took whose answer we lost):
      // then the upload starts again from a new session, one level up.
      ({ location, offset } = await uploadStatus(client, target, location, u.req).catch(() => { throw e; }));
    }
  }
  return location;
}

/**
 * GET on an upload session: `Range: 0-N` says N+1 bytes arrived. distribution writes `0-0` for an empty
 * session too; our chunks are never 1 byte, so `0-0` is read as nothing yet.
 */
async function uploadStatus(client: RegistryClient, target: ImageReference, location: string, req: PushRequestOptions): Promise<{ location: string; offset: number }> {
  const st = await pushRequest(client, target, { method: 'GET', url: location, actions: PUSH }, req);
  expectStatus(st, [204]);
  const range = st.res.headers['range'];
  const m = typeof range === 'string' ? /^(?:bytes=)?0-(\d+)$/.exec(range) : null;
  const next = typeof st.res.headers['location'] === 'string' ? st.res.headers['location'] : location;
  if (range !== undefined && m === null) throw new RegistryError(`registry sent an invalid upload Range "${String(range)}"`);
  return { location: next, offset: m === null || m[1] === '0' ? 0 : Number(m[1]) + 1 };
}

async function readRange(file: FileHandle, start: number, end: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(end - start);
  let done = 0;
  while (done < buf.length) {
    const { bytesRead } = await file.read(buf, done, buf.length - done, start + done);
    if (bytesRead === 0) throw new DigestMismatchError(`blob file ended at ${start + done} bytes, expected ${end}`);
    done += bytesRead;
  }
  return buf;
}
