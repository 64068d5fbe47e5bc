/** Retry with exponential backoff, for idempotent requests (GET/HEAD) only. */
import { setTimeout as sleep } from 'node:timers/promises';

export interface RetryPolicy {
  /** Total attempts, including the first. */
  attempts: number;
  /** Delay before the 2nd attempt; doubles each time. */
  baseDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 250 };

/** Status codes where another try may succeed (containerd and BuildKit retry these too). */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 500 || status === 502 || status === 503 || status === 504;
}

/**
 * Run `fn(attempt)` until it succeeds, `isRetryable(err)` is false, or attempts run out; rethrows the last error.
 * Aborting `signal` stops waiting at once.
 */
export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  opts: { policy: RetryPolicy; isRetryable: (e: unknown) => boolean; signal?: AbortSignal | undefined },
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (e) {
      if (attempt >= opts.policy.attempts || !opts.isRetryable(e) || opts.signal?.aborted === true) throw e;
      await backoff(opts.policy, attempt, opts.signal);
    }
  }
}

export async function backoff(policy: RetryPolicy, attempt: number, signal?: AbortSignal): Promise<void> {
  const delay = policy.baseDelayMs * 2 ** (attempt - 1);
  await sleep(delay, undefined, signal === undefined ? undefined : { signal });
}
