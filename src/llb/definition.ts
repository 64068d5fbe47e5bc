/**
 * A solved-for graph: every op by digest, their metadata, and the output wanted. Built with GraphBuilder;
 * identical ops (same digest) are stored once, so "identical vertices run once" holds by construction.
 */
import { canonicalDigest } from './canonical.js';
import { opAsCanonical, type Op, type OpInput, type OpMetadata } from './ops.js';

export interface Definition {
  readonly ops: ReadonlyMap<string, Op>;
  readonly metadata: ReadonlyMap<string, OpMetadata>;
  /** The output of the build, or undefined for an empty (scratch) result. */
  readonly output: OpInput | undefined;
}

export function opDigest(op: Op): string {
  return canonicalDigest(opAsCanonical(op));
}

export class GraphBuilder {
  private readonly ops = new Map<string, Op>();
  private readonly metadata = new Map<string, OpMetadata>();

  /** Add an op (or find its twin) and return its digest. The first metadata given for a digest wins. */
  add(op: Op, meta: OpMetadata = {}): string {
    for (const input of op.inputs) {
      if (!this.ops.has(input.digest)) throw new Error(`op input ${input.digest} is not in the graph`);
    }
    const digest = opDigest(op);
    if (!this.ops.has(digest)) {
      this.ops.set(digest, op);
      this.metadata.set(digest, meta);
    }
    return digest;
  }

  build(output: OpInput | undefined): Definition {
    return { ops: new Map(this.ops), metadata: new Map(this.metadata), output };
  }
}

/** Ops reachable from the output, inputs before the ops that use them (stable order). */
export function topoOrder(def: Definition): string[] {
  const seen = new Set<string>();
  const order: string[] = [];
  const visit = (d: string): void => {
    if (seen.has(d)) return;
    seen.add(d);
    const op = def.ops.get(d);
    if (!op) throw new Error(`unknown op ${d}`);
    for (const i of op.inputs) visit(i.digest);
    order.push(d);
  };
  if (def.output) visit(def.output.digest);
  return order;
}

/** JSON for `buildctl debug dump-llb`: one object per op in topological order. */
export function dumpDefinition(def: Definition): unknown[] {
  return topoOrder(def).map((d) => ({ Op: def.ops.get(d), Digest: d, OpMetadata: def.metadata.get(d) ?? {} }));
}
