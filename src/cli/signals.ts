/**
 * SIGINT/SIGTERM during a build: the first one aborts the build through the AbortSignal given to runBuild
 * (which unmounts, kills containers, removes the ephemeral dir), after which the CLI exits 130/143. A second
 * signal exits at once, for a cleanup that hangs — if it comes at least a second after the first: one Ctrl-C
 * can arrive more than once (the terminal signals the whole process group, and rootlesskit forwards the same
 * signal to us again), and those copies must not cut the cleanup short.
 */
import { BuildError } from '../errors.js';

const EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;
type HandledSignal = keyof typeof EXIT_CODES;

/** The build was stopped by a signal; exitCode is 128 + the signal number. */
export class CanceledError extends BuildError {
  readonly exitCode: number;
  constructor(readonly signalName: HandledSignal) {
    super('BK0100', `canceled by ${signalName}`);
    this.exitCode = EXIT_CODES[signalName];
  }
}

export interface SignalScope {
  readonly signal: AbortSignal;
  /** The CanceledError for the first signal received, if any. */
  readonly canceled: () => CanceledError | undefined;
  dispose(): void;
}

/** Signals within this long after the first are copies of it, not a second request. */
export const REPEAT_WINDOW_MS = 1000;

export function abortOnSignals(opts: { source: NodeJS.EventEmitter; exit: (code: number) => void; now?: () => number }): SignalScope {
  const now = opts.now ?? Date.now;
  const controller = new AbortController();
  let canceled: CanceledError | undefined;
  let firstAt = 0;
  const handlers = (Object.keys(EXIT_CODES) as HandledSignal[]).map((name) => {
    const handler = (): void => {
      if (canceled !== undefined) {
        if (now() - firstAt >= REPEAT_WINDOW_MS) opts.exit(EXIT_CODES[name]);
        return;
      }
      firstAt = now();
      canceled = new CanceledError(name);
      controller.abort(canceled);
    };
    opts.source.on(name, handler);
    return [name, handler] as const;
  });
  return {
    signal: controller.signal,
    canceled: () => canceled,
    dispose: () => { for (const [name, handler] of handlers) opts.source.off(name, handler); },
  };
}
