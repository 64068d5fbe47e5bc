import { PassThrough, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** Errors that only say "the other end of the pipe went away"; the cause is elsewhere. */
const SECONDARY = new Set(['ERR_STREAM_PREMATURE_CLOSE', 'ERR_STREAM_DESTROYED', 'ERR_STREAM_WRITE_AFTER_END']);

/** Of the errors one failure caused along a pipeline, the one that names the cause. */
export function rootCause(errors: unknown[]): unknown {
  return errors.find((e) => !SECONDARY.has((e as NodeJS.ErrnoException | undefined)?.code ?? '')) ?? errors[0];
}

/** Await all, then throw the root cause of any failure: no stream is left running when this returns. */
export async function settleAll(promises: Promise<unknown>[]): Promise<void> {
  const results = await Promise.allSettled(promises);
  const errors = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  if (errors.length > 0) throw rootCause(errors);
}

/**
 * Run `produce(out)` with `out` piped into `dest` (with backpressure). `out` is ended when `produce` resolves
 * (if it did not end it itself) and destroyed when it rejects. `end: false` leaves `dest` open (stdout).
 */
export async function pump(
  produce: (out: NodeJS.WritableStream) => Promise<void>,
  dest: Writable,
  opts: { end: boolean },
): Promise<void> {
  const out = new PassThrough({ highWaterMark: 1 << 20 });
  const piping = pipeline(out, dest, { end: opts.end });
  const producing = produce(out).then(
    () => { if (!out.writableEnded) out.end(); },
    (e: unknown) => { out.destroy(e instanceof Error ? e : new Error(String(e))); throw e; },
  );
  await settleAll([producing, piping]);
}
