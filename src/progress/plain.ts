/**
 * buildctl's `--progress=plain` shape (moby/buildkit util/progress/progressui/printer.go):
 *
 *   #5 [stage-1 2/3] RUN echo hello      header when a vertex first prints, and again after another interrupted it
 *   #5 0.153 hello                       output lines: seconds since the vertex started
 *   #5 DONE 0.3s                         or CACHED, ERROR: message, CANCELED
 *
 * Blocks are separated by a blank line. When another vertex prints while one is still open, the open one
 * gets "#N ..." first. Warnings are listed after the build.
 */
import type { ProgressSink } from './types.js';
import { sinceStart, type ProgressEvent, type Renderer, type RendererOptions, type VertexInfo } from './events.js';
import { logTimestamp, seconds } from './format.js';
import { createSink } from './sink.js';

export function createPlainProgress(opts: RendererOptions): ProgressSink {
  return createSink(new PlainRenderer(opts), opts);
}

export class PlainRenderer implements Renderer {
  private current: number | undefined;
  private notFirst = false;
  private readonly warnings: string[] = [];
  constructor(private readonly opts: RendererOptions) {}

  onEvent(ev: ProgressEvent): void {
    switch (ev.kind) {
      case 'vertex': return; // nothing to show until it starts or reports
      case 'warn': this.warnings.push(ev.message); return;
      case 'start': this.write(this.focus(ev.v)); return;
      case 'status': this.write(`${this.focus(ev.v)}#${ev.v.id} ${ev.message}\n`); return;
      case 'log': {
        const ts = logTimestamp(sinceStart(ev.v, ev.at));
        this.write(this.focus(ev.v) + ev.lines.map((l) => `#${ev.v.id} ${ts} ${l}\n`).join(''));
        return;
      }
      case 'end': {
        const text = this.focus(ev.v) + endLine(ev.v);
        this.current = undefined;
        this.write(text);
        return;
      }
    }
  }

  finish(): void {
    if (this.warnings.length === 0) return;
    const n = this.warnings.length;
    this.write(`\n${n} warning${n === 1 ? '' : 's'} found:\n${this.warnings.map((w) => ` - ${w}\n`).join('')}`);
  }

  /** The header to print before output of `v`: nothing if `v` printed last, else "#old ..." and a new block. */
  private focus(v: VertexInfo): string {
    if (this.current === v.id) return '';
    let out = this.current !== undefined ? `#${this.current} ...\n` : '';
    if (this.notFirst) out += '\n';
    this.notFirst = true;
    this.current = v.id;
    return `${out}#${v.id} ${v.name}\n`;
  }

  private write(s: string): void {
    if (s.length > 0) this.opts.stream.write(s);
  }
}

export function endLine(v: VertexInfo): string {
  switch (v.state) {
    case 'cached': return `#${v.id} CACHED\n`;
    case 'canceled': return `#${v.id} CANCELED\n`;
    case 'error': return `#${v.id} ERROR: ${v.error ?? ''}\n`;
    default: return `#${v.id} DONE ${seconds((v.endedAt ?? v.announcedAt) - (v.startedAt ?? v.announcedAt))}\n`;
  }
}
