/**
 * One request of a push, and what its answer means. The transport retries only GET/HEAD; a push's POST,
 * PATCH and PUT are retried one level up (push-blob.ts, push-manifest.ts), so errors here say whether another
 * try may succeed: network resets, 5xx/429 and our own per-request timeout may; any other 4xx never does and
 * carries the registry's error body (`unexpected status 400 Bad Request: BLOB_UPLOAD_INVALID: ...`).
 */
import { RegistryError } from '../errors.js';
import type { RegistryClient, RepositoryRequest } from './client.js';
import type { ImageReference } from './reference.js';
import { UnauthorizedError, describeStatus, isRetryableNetworkError } from './registry-errors.js';
import { isRetryableStatus } from './retry.js';
import { discard, readCapped, type Response } from './transport.js';

const ERROR_BODY_LIMIT = 64 << 10;

/** A registry answer with a status we did not expect. `status` decides whether a retry may help. */
export class PushStatusError extends RegistryError {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** No answer within the per-request time limit (a stalled proxy or registry). */
export class RequestTimeoutError extends RegistryError {}

/** Network resets, 5xx/429 and timeouts: the request may succeed if sent again. */
export function isRetryablePushError(e: unknown): boolean {
  if (e instanceof PushStatusError) return isRetryableStatus(e.status);
  return e instanceof RequestTimeoutError || isRetryableNetworkError(e);
}

export interface PushRequestOptions {
  /** Abort the request (not the build) when no complete answer came within this many ms. */
  timeoutMs: number;
  signal?: AbortSignal | undefined;
}

/**
 * `client.send` with a time limit, returning the answer with its body read (answers to push requests are
 * small; bodies are capped). The build's own abort passes through unchanged.
 */
export async function pushRequest(
  client: RegistryClient, ref: ImageReference, req: Omit<RepositoryRequest, 'signal'>, opts: PushRequestOptions,
): Promise<{ res: Response; body: Buffer }> {
  const timer = AbortSignal.timeout(opts.timeoutMs);
  const signal = opts.signal !== undefined ? AbortSignal.any([opts.signal, timer]) : timer;
  try {
    const res = await client.send(ref, { ...req, signal });
    const body = req.method === 'HEAD' ? Buffer.alloc(0) : await readCapped(res, ERROR_BODY_LIMIT, 'registry answer').catch(async (e: unknown) => {
      await discard(res);
      throw e;
    });
    return { res, body };
  } catch (e) {
    if (timer.aborted && opts.signal?.aborted !== true) {
      throw new RequestTimeoutError(`no answer to ${req.method ?? 'GET'} within ${Math.round(opts.timeoutMs / 1000)}s`);
    }
    throw e;
  }
}

/** Throw the matching error unless the answer's status is one of `ok`. */
export function expectStatus(answer: { res: Response; body: Buffer }, ok: readonly number[]): void {
  const { status } = answer.res;
  if (ok.includes(status)) return;
  const text = describeStatus(status, answer.body);
  if (status === 401) throw new UnauthorizedError('unauthorized: authentication required');
  if (status === 403) throw new UnauthorizedError(`denied: ${text}`);
  throw new PushStatusError(status, text);
}

/** The `Location` of an upload session; the registry must send one. */
export function locationOf(res: Response, what: string): string {
  const loc = res.headers['location'];
  if (typeof loc !== 'string' || loc === '') throw new RegistryError(`registry sent no upload location for ${what}`);
  return loc;
}

/** The upload URL with `key=value` added to its query (locations carry state in their query already). */
export function withQuery(location: string, key: string, value: string): string {
  const u = new URL(location, 'http://placeholder.invalid');
  u.searchParams.set(key, value);
  return /^https?:\/\//.test(location) ? u.toString() : u.pathname + u.search;
}
