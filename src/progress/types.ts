/**
 * One progress interface for the whole build; renderers (plain, tty, rawjson) sit behind it.
 * Vertices are numbered (#1, #2, ...) in the order they are first announced, like buildctl.
 */
export interface VertexProgress {
  readonly id: number;
  /** The step started running (not cached). */
  start(): void;
  /** A line or chunk of the step's output; stream 1 = stdout, 2 = stderr. */
  log(stream: 1 | 2, chunk: Uint8Array | string): void;
  /** A status line under the vertex, e.g. "resolve 127.0.0.1:5000/busybox:latest" or "extracting sha256:... done". */
  status(message: string): void;
  /** The step's result came from the cache. Ends the vertex. */
  cached(): void;
  /** The step finished. Ends the vertex. */
  done(): void;
  /** The step failed with this one-line message. Ends the vertex. */
  error(message: string): void;
}

export interface ProgressSink {
  /** Announce a vertex by its display name, e.g. "[stage-1 2/3] RUN make" or "[internal] load metadata for X". */
  vertex(name: string): VertexProgress;
  /** Warnings printed after the build (e.g. build checks). */
  warn(message: string): void;
  /** Flush and stop rendering. */
  close(): Promise<void>;
}
