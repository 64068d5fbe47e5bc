/**
 * The one ProgressSink implementation; renderers plug in behind it (see events.ts for what they get).
 */
import type { ProgressSink, VertexProgress } from './types.js';
import type { EndState, ProgressEvent, ProgressStream, Renderer, VertexInfo } from './events.js';
import { isCancelMessage } from './format.js';
import { LineBuffer } from './line-buffer.js';
import { redact } from './redact.js';

export function createSink(renderer: Renderer, opts: { stream: ProgressStream; now?: () => number }): ProgressSink {
  const now = opts.now ?? Date.now;
  const open = new Set<OpenVertex>();
  let nextId = 1;
  let closed: Promise<void> | undefined;
  const emit = (ev: ProgressEvent): void => { if (closed === undefined) renderer.onEvent(ev); };

  class OpenVertex implements VertexProgress {
    readonly info: VertexInfo;
    private readonly out = [new LineBuffer(), new LineBuffer()] as const;
    constructor(name: string) {
      this.info = { id: nextId++, name: redact(name), announcedAt: now() };
      open.add(this);
      emit({ kind: 'vertex', v: this.info });
    }
    get id(): number { return this.info.id; }
    private get live(): boolean { return this.info.state === undefined; }
    start(): void {
      if (!this.live || this.info.startedAt !== undefined) return;
      this.info.startedAt = now();
      emit({ kind: 'start', v: this.info });
    }
    log(stream: 1 | 2, chunk: Uint8Array | string): void {
      if (!this.live) return;
      const lines = this.out[stream - 1]!.push(chunk);
      if (lines.length > 0) emit({ kind: 'log', v: this.info, stream, lines: lines.map(redact), at: now() });
    }
    status(message: string): void {
      if (this.live) emit({ kind: 'status', v: this.info, message: redact(message), at: now() });
    }
    cached(): void { this.end('cached'); }
    done(): void { this.end('done'); }
    error(message: string): void {
      this.end(isCancelMessage(message) ? 'canceled' : 'error', redact(message.split('\n')[0] ?? ''));
    }
    /** Print unterminated output, then the end state. */
    end(state: EndState, error?: string): void {
      if (!this.live) return;
      this.flushOutput();
      this.info.endedAt = now();
      this.info.state = state;
      if (error !== undefined) this.info.error = error;
      open.delete(this);
      emit({ kind: 'end', v: this.info });
    }
    flushOutput(): void {
      for (const stream of [1, 2] as const) {
        const rest = this.out[stream - 1]!.flush();
        if (rest !== undefined) emit({ kind: 'log', v: this.info, stream, lines: [redact(rest)], at: now() });
      }
    }
  }

  return {
    vertex: (name) => new OpenVertex(name),
    warn: (message) => emit({ kind: 'warn', message: redact(message) }),
    close: () => {
      if (closed === undefined) {
        // Vertices still open (a build that threw without ending them) keep their output but get no end line.
        for (const v of open) v.flushOutput();
        renderer.finish();
        closed = new Promise((resolve) => { opts.stream.write('', () => resolve()); });
      }
      return closed;
    },
  };
}
