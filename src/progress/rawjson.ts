/**
 * `--progress=rawjson`: one JSON object per line per event, shaped like BuildKit's SolveStatus JSON
 * (`vertexes`, `statuses`, `logs`, `warnings`; log data and warning text base64 like Go's []byte).
 * BuildKit identifies vertices by digest; we have no digests at this layer, so `digest` is "#N", the number
 * the plain renderer shows.
 */
import type { ProgressSink } from './types.js';
import type { ProgressEvent, Renderer, RendererOptions, VertexInfo } from './events.js';
import { createSink } from './sink.js';

export function createRawJsonProgress(opts: RendererOptions): ProgressSink {
  return createSink(new RawJsonRenderer(opts), opts);
}

class RawJsonRenderer implements Renderer {
  constructor(private readonly opts: RendererOptions) {}

  onEvent(ev: ProgressEvent): void {
    switch (ev.kind) {
      case 'vertex':
      case 'start':
      case 'end':
        return this.line({ vertexes: [vertexJson(ev.v)] });
      case 'status':
        return this.line({ statuses: [{ id: ev.message, vertex: digest(ev.v), timestamp: iso(ev.at) }] });
      case 'log': {
        const data = Buffer.from(ev.lines.map((l) => `${l}\n`).join('')).toString('base64');
        return this.line({ logs: [{ vertex: digest(ev.v), stream: ev.stream, data, timestamp: iso(ev.at) }] });
      }
      case 'warn':
        return this.line({ warnings: [{ level: 1, short: Buffer.from(ev.message).toString('base64') }] });
    }
  }

  finish(): void {}

  private line(obj: unknown): void {
    this.opts.stream.write(`${JSON.stringify(obj)}\n`);
  }
}

function vertexJson(v: VertexInfo): Record<string, unknown> {
  const out: Record<string, unknown> = { digest: digest(v), name: v.name };
  if (v.startedAt !== undefined) out.started = iso(v.startedAt);
  if (v.endedAt !== undefined) {
    if (out.started === undefined) out.started = iso(v.announcedAt);
    out.completed = iso(v.endedAt);
  }
  if (v.state === 'cached') out.cached = true;
  if (v.error !== undefined) out.error = v.error;
  return out;
}

const digest = (v: VertexInfo): string => `#${v.id}`;
const iso = (ms: number): string => new Date(ms).toISOString();
