/**
 * PUT a manifest under a tag or its digest. Retried on resets, 5xx and timeouts (a manifest PUT is
 * idempotent: the same bytes under the same name). The registry's Docker-Content-Digest must be ours.
 */
import { DigestMismatchError } from '../errors.js';
import { sha256Digest } from '../oci/digest.js';
import type { RegistryClient } from './client.js';
import type { ImageReference } from './reference.js';
import { expectStatus, isRetryablePushError, pushRequest } from './push-request.js';
import { withRetry, type RetryPolicy } from './retry.js';

export interface ManifestToPush {
  bytes: Buffer;
  mediaType: string;
}

export interface PushManifestOptions {
  /** A tag, or the manifest's own digest (push by digest). */
  reference: string;
  retry: RetryPolicy;
  timeoutMs: number;
  signal?: AbortSignal | undefined;
}

/** Returns the manifest's digest. */
export async function pushManifest(client: RegistryClient, target: ImageReference, m: ManifestToPush, opts: PushManifestOptions): Promise<string> {
  const digest = sha256Digest(m.bytes);
  await withRetry(async () => {
    const put = await pushRequest(client, target, {
      method: 'PUT', path: `manifests/${opts.reference}`, actions: ['pull', 'push'],
      headers: { 'content-type': m.mediaType }, body: m.bytes,
    }, { timeoutMs: opts.timeoutMs, signal: opts.signal });
    expectStatus(put, [201, 200, 204]);
    const stored = put.res.headers['docker-content-digest'];
    if (typeof stored === 'string' && stored !== '' && stored !== digest) {
      throw new DigestMismatchError(`registry stored manifest ${digest} as ${stored}`);
    }
  }, { policy: opts.retry, isRetryable: isRetryablePushError, signal: opts.signal });
  return digest;
}
