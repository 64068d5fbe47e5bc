/**
 * The in-process solver. Given a Definition it
 *  1. computes every vertex's cache key from the op, its inputs' keys and content-based parts (no execution),
 *  2. walks from the output down, stopping at vertices whose key hits the cache (so their inputs are never
 *     loaded: a cached build pulls and runs nothing),
 *  3. executes the remaining vertices, each once, concurrently wherever the graph allows, and records each
 *     result under its key.
 * It knows nothing about containers or Dockerfiles: ops are executed through OpImpl.
 */
import { canonicalDigest, type Canonical } from '../llb/canonical.js';
import { topoOrder, type Definition } from '../llb/definition.js';
import type { Op, OpInput, OpMetadata } from '../llb/ops.js';
import type { ProgressSink, VertexProgress } from '../progress/types.js';
import { BuildError, withLocation } from '../errors.js';
import type { OpImpl } from './op-impl.js';
import { localResult } from './ops/source-local.js';
import type { LocalResult, Result } from './result.js';
import type { Worker } from './worker.js';

/** Bump when the meaning of a cache key changes, so old state dirs miss instead of lying. */
const CACHE_KEY_VERSION = 'buildctl-ts/v1';

export interface SolverOptions {
  readonly worker: Worker;
  readonly progress: ProgressSink;
  readonly impl: (op: Op) => OpImpl;
  readonly signal: AbortSignal;
  /** --no-cache: do not look anything up (results are still recorded). */
  readonly noCache?: boolean;
  /** Called when a vertex starts and ends executing (tests use it to prove concurrency). */
  readonly onVertexTiming?: (digest: string, phase: 'start' | 'end', at: number, kind: string) => void;
  /**
   * Imported caches (--import-cache), consulted only when the local key store misses. A hit may unpack layers
   * (lazily: only for the vertices that hit); the solver then records the key locally.
   */
  readonly imported?: ImportedLookup;
}

/** A cache source besides the state dir: the results recorded under a cache key, or undefined. */
export type ImportedLookup = (key: string) => Promise<Result[] | undefined>;

/** One vertex as a cache export sees it (solver.records()). */
export interface SolvedRecord {
  readonly digest: string;
  readonly key: string;
  /** The input vertices' digests, in input order. */
  readonly inputs: readonly string[];
  /** Its results if they are known in this build (executed, or a cache hit); undefined below a hit. */
  readonly results: readonly Result[] | undefined;
}

export class Solver {
  private readonly keys = new Map<string, Promise<string>>();
  private readonly runs = new Map<string, Promise<Result[]>>();
  private readonly cached = new Map<string, Result[]>();

  constructor(private readonly def: Definition, private readonly opts: SolverOptions) {}

  /** The graph this solver solves. */
  get definition(): Definition {
    return this.def;
  }

  /** Solve the definition's output. Undefined output = scratch. */
  async solve(): Promise<Result | undefined> {
    const out = this.def.output;
    if (!out) return undefined;
    const toRun = await this.plan(out);
    this.announceCached(toRun);
    const results = await this.run(out.digest);
    return this.pick(results, out);
  }

  /** Cache key of a vertex (memoised). */
  cacheKey(digest: string): Promise<string> {
    let p = this.keys.get(digest);
    if (!p) {
      p = this.computeKey(digest);
      this.keys.set(digest, p);
    }
    return p;
  }

  private op(digest: string): Op {
    const op = this.def.ops.get(digest);
    if (!op) throw new Error(`unknown op ${digest}`);
    return op;
  }

  private async computeKey(digest: string): Promise<string> {
    const op = this.op(digest);
    const inputKeys = await Promise.all(op.inputs.map(async (i) => [await this.cacheKey(i.digest), i.index] as Canonical));
    const impl = this.opts.impl(op);
    const ctx = { worker: this.opts.worker, digest, op, meta: this.def.metadata.get(digest) ?? {}, signal: this.opts.signal };
    const content = impl.contentKey ? await impl.contentKey(ctx, (i) => this.localInput(op, i)) : undefined;
    // The op without its input digests (those are definition-based); inputs enter through their cache keys.
    const { inputs: _inputs, ...body } = op;
    return canonicalDigest({ v: CACHE_KEY_VERSION, op: body as unknown as Canonical, inputs: inputKeys, content: content ?? null });
  }

  /** Input i of op when it is a local source: resolvable without solving anything. */
  private localInput(op: Op, i: number): LocalResult | undefined {
    const input = op.inputs[i];
    if (!input) return undefined;
    const src = this.op(input.digest);
    if (src.op.kind !== 'source' || !src.op.identifier.startsWith('local://')) return undefined;
    return localResult(this.opts.worker, src.op);
  }

  /** Decide which vertices must execute: walk down from the output, stopping at cache hits. */
  private async plan(out: OpInput): Promise<Set<string>> {
    const toRun = new Set<string>();
    const visited = new Set<string>();
    const visit = async (digest: string): Promise<void> => {
      if (visited.has(digest)) return;
      visited.add(digest);
      const op = this.op(digest);
      const impl = this.opts.impl(op);
      const meta = this.def.metadata.get(digest) ?? {};
      if (impl.cacheable && !this.opts.noCache && !meta.ignoreCache) {
        const hit = await this.lookup(await this.cacheKey(digest));
        if (hit) { this.cached.set(digest, hit); return; }
      }
      toRun.add(digest);
      await Promise.all(op.inputs.map((i) => visit(i.digest)));
    };
    await visit(out.digest);
    return toRun;
  }

  private async lookup(key: string): Promise<Result[] | undefined> {
    const local = await this.lookupLocal(key);
    if (!local) return this.lookupImported(key);
    // A hit is a use: LRU GC, prune --keep-duration and du's LAST ACCESSED go by the last hit, not publication.
    // (The layers are leased already: LayerStore.get.) A few utimes on the fully cached path.
    const ids = local.flatMap((r) => (r.kind === 'snapshot' ? r.layers.map((l) => l.id) : []));
    await Promise.all([this.opts.worker.keys.touch(key), this.opts.worker.layers.touch(ids)]);
    return local;
  }

  /** The imported caches, after a local miss; a hit is recorded in the local key store for later builds. */
  private async lookupImported(key: string): Promise<Result[] | undefined> {
    if (!this.opts.imported) return undefined;
    const results = await this.opts.imported(key);
    if (results) await this.opts.worker.keys.put(key, results.map((r) => (r.kind === 'snapshot' ? r.layers.map((l) => l.id) : [])));
    return results;
  }

  /**
   * Every cacheable vertex of the definition with its key, inputs and (where known) results, in graph order:
   * what --export-cache writes. Call after solve().
   */
  async records(): Promise<SolvedRecord[]> {
    const out: SolvedRecord[] = [];
    for (const digest of topoOrder(this.def)) {
      const op = this.op(digest);
      if (!this.opts.impl(op).cacheable) continue;
      const run = this.runs.has(digest) ? await this.runs.get(digest) : undefined;
      out.push({ digest, key: await this.cacheKey(digest), inputs: op.inputs.map((i) => i.digest), results: this.cached.get(digest) ?? run });
    }
    return out;
  }

  /** Look a key up in the state dir's key store. Public for cache export (results below a hit). */
  async lookupLocal(key: string): Promise<Result[] | undefined> {
    const rec = await this.opts.worker.keys.get(key);
    if (!rec) return undefined;
    const results: Result[] = [];
    for (const ids of rec.outputs) {
      const layers = [];
      for (const id of ids) {
        const layer = await this.opts.worker.layers.get(id);
        if (!layer) return undefined; // pruned or never completed: a miss, not an error
        layers.push(layer);
      }
      results.push({ kind: 'snapshot', layers });
    }
    return results;
  }

  /** Vertices that will not run are reported as CACHED, in graph order, like buildctl does. */
  private announceCached(toRun: Set<string>): void {
    for (const digest of topoOrder(this.def)) {
      if (toRun.has(digest)) continue;
      const op = this.op(digest);
      if (op.op.kind === 'source' && op.op.identifier.startsWith('local://')) continue;
      this.vertex(digest).cached();
    }
  }

  private vertex(digest: string): VertexProgress {
    const meta = this.def.metadata.get(digest);
    const op = this.op(digest);
    const name = meta?.description ?? (op.op.kind === 'source' ? op.op.identifier : `${op.op.kind} ${digest.slice(7, 19)}`);
    return this.opts.progress.vertex(name);
  }

  private run(digest: string): Promise<Result[]> {
    const hit = this.cached.get(digest);
    if (hit) return Promise.resolve(hit);
    let p = this.runs.get(digest);
    if (!p) {
      p = this.execute(digest);
      this.runs.set(digest, p);
    }
    return p;
  }

  private pick(results: Result[], input: OpInput): Result {
    const r = results[input.index];
    if (!r) throw new Error(`op ${input.digest} has no output ${input.index}`);
    return r;
  }

  private async execute(digest: string): Promise<Result[]> {
    const op = this.op(digest);
    const inputs = await Promise.all(op.inputs.map(async (i) => this.pick(await this.run(i.digest), i)));
    this.opts.signal.throwIfAborted();
    const impl = this.opts.impl(op);
    const meta = this.def.metadata.get(digest) ?? {};
    const cacheKey = await this.cacheKey(digest);
    // Another build on this state dir may be executing the same key: wait for it, then take its result.
    const lock = impl.cacheable ? await this.opts.worker.keys.lock(cacheKey, { signal: this.opts.signal }) : undefined;
    try {
      return await this.executeLocked({ digest, op, impl, meta, cacheKey, inputs, locked: lock !== undefined });
    } finally {
      await lock?.release();
    }
  }

  private async executeLocked(o: { digest: string; op: Op; impl: OpImpl; meta: OpMetadata; cacheKey: string; inputs: Result[]; locked: boolean }): Promise<Result[]> {
    const { digest, op, impl, meta, cacheKey, inputs } = o;
    const progress = this.vertex(digest);
    if (o.locked && !this.opts.noCache && !meta.ignoreCache) {
      const hit = await this.lookup(cacheKey);
      if (hit) { progress.cached(); return hit; }
    }
    progress.start();
    this.opts.onVertexTiming?.(digest, 'start', Date.now(), op.op.kind);
    let results: Result[];
    try {
      results = await impl.exec({ worker: this.opts.worker, digest, op, meta, cacheKey, progress, signal: this.opts.signal }, inputs);
      if (impl.cacheable) {
        await this.opts.worker.keys.put(cacheKey, results.map((r) => (r.kind === 'snapshot' ? r.layers.map((l) => l.id) : [])));
      }
    } catch (e) {
      progress.error(e instanceof BuildError ? e.message : String((e as Error).message ?? e));
      // The Dockerfile line of the vertex, for errors that do not carry a more precise one already.
      throw withLocation(e, meta.location);
    } finally {
      this.opts.onVertexTiming?.(digest, 'end', Date.now(), op.op.kind);
    }
    progress.done();
    return results;
  }
}
