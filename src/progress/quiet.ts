/**
 * `--progress=quiet`: nothing but failures. A failed step is shown in the plain shape with the last lines of
 * its output, so the error is understandable without re-running with --progress=plain.
 */
import type { ProgressSink } from './types.js';
import { sinceStart, type ProgressEvent, type Renderer, type RendererOptions } from './events.js';
import { logTimestamp } from './format.js';
import { endLine } from './plain.js';
import { createSink } from './sink.js';

const TAIL = 20;

export function createQuietProgress(opts: RendererOptions): ProgressSink {
  return createSink(new QuietRenderer(opts), opts);
}

class QuietRenderer implements Renderer {
  private readonly tails = new Map<number, string[]>();
  constructor(private readonly opts: RendererOptions) {}

  onEvent(ev: ProgressEvent): void {
    if (ev.kind === 'log') {
      const tail = this.tails.get(ev.v.id) ?? [];
      const ts = logTimestamp(sinceStart(ev.v, ev.at));
      tail.push(...ev.lines.map((l) => `#${ev.v.id} ${ts} ${l}\n`));
      this.tails.set(ev.v.id, tail.slice(-TAIL));
    } else if (ev.kind === 'end') {
      const tail = this.tails.get(ev.v.id) ?? [];
      this.tails.delete(ev.v.id);
      if (ev.v.state === 'error') this.opts.stream.write(`#${ev.v.id} ${ev.v.name}\n${tail.join('')}${endLine(ev.v)}`);
    }
  }

  finish(): void {}
}
