/** A ProgressStream that collects what renderers write, and a hand-moved clock. */
import type { ProgressStream } from '../../src/progress/events.js';

export class Collector implements ProgressStream {
  text = '';
  constructor(readonly isTTY = false, readonly columns = 80) {}
  write(chunk: string, cb?: (err?: Error | null) => void): boolean {
    this.text += chunk;
    cb?.();
    return true;
  }
}

export class Clock {
  ms = 1_700_000_000_000;
  readonly now = (): number => this.ms;
  advance(ms: number): void { this.ms += ms; }
}
