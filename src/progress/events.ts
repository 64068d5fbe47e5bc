/**
 * What a renderer sees. `createSink` turns ProgressSink calls into these events after it has numbered the
 * vertices, ignored anything after a vertex ended, cut output into whole lines and redacted every string:
 * renderers only decide layout.
 */
export type EndState = 'cached' | 'done' | 'error' | 'canceled';

export interface VertexInfo {
  readonly id: number;
  /** Display name, redacted. */
  readonly name: string;
  /** Epoch ms when announced / started / ended. */
  readonly announcedAt: number;
  startedAt?: number;
  endedAt?: number;
  state?: EndState;
  /** Redacted one-line error message when state is 'error' or 'canceled'. */
  error?: string;
}

export type ProgressEvent =
  | { readonly kind: 'vertex'; readonly v: VertexInfo }
  | { readonly kind: 'start'; readonly v: VertexInfo }
  | { readonly kind: 'log'; readonly v: VertexInfo; readonly stream: 1 | 2; readonly lines: readonly string[]; readonly at: number }
  | { readonly kind: 'status'; readonly v: VertexInfo; readonly message: string; readonly at: number }
  | { readonly kind: 'end'; readonly v: VertexInfo }
  | { readonly kind: 'warn'; readonly message: string };

export interface Renderer {
  onEvent(ev: ProgressEvent): void;
  /** Print what is left (warnings, a summary). Called once. */
  finish(): void;
}

/** The part of a writable stream renderers use (process.stderr, or a collector in tests). */
export interface ProgressStream {
  write(chunk: string, cb?: (err?: Error | null) => void): boolean;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export interface RendererOptions {
  readonly stream: ProgressStream;
  /** Epoch ms clock; tests pass a fake one. */
  readonly now?: () => number;
}

/** Milliseconds from the vertex's start (or announcement, if it never called start) to `at`. */
export function sinceStart(v: VertexInfo, at: number): number {
  return at - (v.startedAt ?? v.announcedAt);
}
