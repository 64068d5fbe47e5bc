/**
 * `--progress=tty`: finished steps scroll up as docker-style summary lines (` => [2/3] RUN make   0.3s`);
 * below them a live area redrawn in place: a header with elapsed time and counts, one spinner line per
 * running step with its last output lines. A failed step prints its last output lines under its summary.
 * Every line of the live area is cut to the terminal width so the cursor arithmetic stays right.
 */
import type { ProgressSink } from './types.js';
import { sinceStart, type ProgressEvent, type Renderer, type RendererOptions, type VertexInfo } from './events.js';
import { logTimestamp, seconds } from './format.js';
import { createSink } from './sink.js';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const LIVE_TAIL = 3; // output lines shown under a running step
const LIVE_STEPS = 8; // running steps drawn; more are counted in the header (the live area must fit the screen)
const ERROR_TAIL = 12; // output lines shown under a failed step
const TICK_MS = 100;
const RED = '\x1b[31m';
const DIM = '\x1b[2m';
const RESET = '\x1b[0m';

export function createTtyProgress(opts: RendererOptions): ProgressSink {
  return createSink(new TtyRenderer(opts), opts);
}

interface Running { readonly v: VertexInfo; tail: string[] }

class TtyRenderer implements Renderer {
  private readonly now: () => number;
  private readonly startedAt: number;
  private readonly running = new Map<number, Running>();
  private readonly warnings: string[] = [];
  private total = 0;
  private finished = 0;
  private failed = false;
  private liveLines = 0;
  private frame = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: RendererOptions) {
    this.now = opts.now ?? Date.now;
    this.startedAt = this.now();
  }

  onEvent(ev: ProgressEvent): void {
    switch (ev.kind) {
      case 'vertex': this.total++; break;
      case 'warn': this.warnings.push(ev.message); return;
      case 'start': this.track(ev.v); break;
      case 'status': this.addTail(ev.v, [ev.message]); break;
      case 'log': {
        const ts = logTimestamp(sinceStart(ev.v, ev.at));
        this.addTail(ev.v, ev.lines.map((l) => `${ts} ${l}`));
        break;
      }
      case 'end': {
        const tail = this.running.get(ev.v.id)?.tail ?? [];
        this.running.delete(ev.v.id);
        this.finished++;
        this.draw(this.summary(ev.v, tail));
        return;
      }
    }
    this.draw('');
  }

  finish(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.running.clear();
    const state = this.failed ? `${RED}ERROR${RESET}` : 'FINISHED';
    let out = this.erase() + `[+] Building ${seconds(this.now() - this.startedAt)} (${this.finished}/${this.total}) ${state}\n`;
    if (this.warnings.length > 0) out += `${this.warnings.length} warning(s):\n${this.warnings.map((w) => ` - ${w}\n`).join('')}`;
    this.opts.stream.write(out);
  }

  private track(v: VertexInfo): Running {
    let r = this.running.get(v.id);
    if (r === undefined) {
      r = { v, tail: [] };
      this.running.set(v.id, r);
      this.timer ??= setInterval(() => { this.frame++; this.draw(''); }, TICK_MS).unref();
    }
    return r;
  }

  private addTail(v: VertexInfo, lines: readonly string[]): void {
    const r = this.track(v);
    r.tail = [...r.tail, ...lines].slice(-ERROR_TAIL);
  }

  /** Erase the live area, print `permanent` above it, draw it again. One write, so it does not flicker. */
  private draw(permanent: string): void {
    let out = this.erase() + permanent;
    const hidden = Math.max(0, this.running.size - LIVE_STEPS);
    const lines = [`[+] Building ${seconds(this.now() - this.startedAt)} (${this.finished}/${this.total})${hidden > 0 ? ` +${hidden} more running` : ''}`];
    const spin = FRAMES[this.frame % FRAMES.length]!;
    for (const r of [...this.running.values()].slice(0, LIVE_STEPS)) {
      lines.push(this.fit(` ${spin} ${r.v.name}`, seconds(this.now() - (r.v.startedAt ?? r.v.announcedAt))));
      for (const l of r.tail.slice(-LIVE_TAIL)) lines.push(DIM + this.cut(`   ${l}`) + RESET);
    }
    out += lines.map((l) => `${l}\n`).join('');
    this.liveLines = lines.length;
    this.opts.stream.write(out);
  }

  private erase(): string {
    const n = this.liveLines;
    this.liveLines = 0;
    return n > 0 ? `\x1b[${n}A\r\x1b[J` : '';
  }

  private summary(v: VertexInfo, tail: readonly string[]): string {
    const took = seconds((v.endedAt ?? 0) - (v.startedAt ?? v.announcedAt));
    if (v.state === 'cached') return `${this.fit(` => CACHED ${v.name}`, '0.0s')}\n`;
    if (v.state === 'canceled') return `${this.fit(` => CANCELED ${v.name}`, took)}\n`;
    if (v.state !== 'error') return `${this.fit(` => ${v.name}`, took)}\n`;
    this.failed = true;
    // Lines above the live area may wrap freely: only the live area's lines are counted for redraws.
    const body = tail.map((l) => ` > ${l}\n`).join('');
    return `${RED}${this.fit(` => ERROR ${v.name}`, took)}${RESET}\n${body}${RED} => ERROR: ${v.error ?? ''}${RESET}\n`;
  }

  private get width(): number { return Math.max(40, this.opts.stream.columns ?? 80); }

  /** `left` cut to fit, `right` right-aligned at the terminal's edge. */
  private fit(left: string, right: string): string {
    const room = this.width - right.length - 2;
    const l = left.length > room ? `${left.slice(0, room - 3)}...` : left;
    return `${l}${' '.repeat(this.width - l.length - right.length - 1)}${right}`;
  }

  private cut(s: string): string {
    return s.length >= this.width ? `${s.slice(0, this.width - 4)}...` : s;
  }
}
