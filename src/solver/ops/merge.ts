/**
 * MergeOp (BuildKit solver/llbsolver/ops/merge.go): the layers of every input stacked in input order, without
 * copying anything. `COPY --link` is a merge of the stage with a copy made on scratch, so the copy's vertex (and
 * its layer) does not depend on the base: a changed base re-runs only this merge, which costs nothing.
 */
import type { OpContext, OpImpl } from '../op-impl.js';
import { expectSnapshot, type Result } from '../result.js';

export const mergeImpl: OpImpl = {
  cacheable: true,
  async exec(ctx: OpContext, inputs: readonly Result[]): Promise<Result[]> {
    if (ctx.op.op.kind !== 'merge') throw new Error('mergeImpl on a non-merge op');
    const layers = inputs.flatMap((r, i) => expectSnapshot(r, `merge input ${i}`).layers);
    // The same layer twice (merging a state with itself) would only shadow itself: keep its top-most place.
    const seen = new Set<string>();
    const unique = layers.reverse().filter((l) => (seen.has(l.id) ? false : (seen.add(l.id), true))).reverse();
    return [{ kind: 'snapshot', layers: unique }];
  },
};
