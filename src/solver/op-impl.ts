/**
 * The contract between the generic solver and each kind of op (BuildKit's solver/llbsolver/ops):
 * an op contributes to its cache key and knows how to execute; the solver owns scheduling, caching
 * and progress.
 */
import type { Canonical } from '../llb/canonical.js';
import type { Op, OpMetadata } from '../llb/ops.js';
import type { VertexProgress } from '../progress/types.js';
import type { LocalResult, Result } from './result.js';
import type { Worker } from './worker.js';

export interface OpContext {
  readonly worker: Worker;
  readonly digest: string;
  readonly op: Op;
  readonly meta: OpMetadata;
  readonly cacheKey: string;
  readonly progress: VertexProgress;
  readonly signal: AbortSignal;
}

export interface OpImpl {
  /** False for ops whose result must never be stored (a local source is read in place). */
  readonly cacheable: boolean;
  /**
   * Extra, content-based parts of the cache key, e.g. checksums of the context paths a COPY reads.
   * `local(i)` gives input i when it is a local source (available without solving anything).
   */
  contentKey?(ctx: Omit<OpContext, 'cacheKey' | 'progress'>, local: (i: number) => LocalResult | undefined): Promise<Canonical | undefined>;
  /** Run the op on its solved inputs and return one result per output. */
  exec(ctx: OpContext, inputs: readonly Result[]): Promise<Result[]>;
}
