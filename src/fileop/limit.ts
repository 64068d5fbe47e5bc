/**
 * A small concurrency limiter: at most `n` tasks run at once, the rest wait in FIFO order.
 * Only leaf filesystem calls go through it (never a task that waits on other limited tasks),
 * so it cannot deadlock.
 */
export type Limiter = <T>(fn: () => Promise<T>) => Promise<T>;

export function createLimiter(n: number): Limiter {
  let active = 0;
  const waiting: Array<() => void> = [];
  const next = (): void => {
    active--;
    const w = waiting.shift();
    if (w) { active++; w(); }
  };
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (active >= n) await new Promise<void>((resolve) => waiting.push(resolve));
    else active++;
    try { return await fn(); } finally { next(); }
  };
}

/** Run fn over items with at most n in flight; rejects with the first error (after all started ones settle). */
export async function forEachLimited<T>(items: readonly T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let i = 0;
  let failed: { e: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failed === undefined && i < items.length) {
      const item = items[i++]!;
      try { await fn(item); } catch (e) { failed ??= { e }; }
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
  if (failed !== undefined) throw failed.e;
}
