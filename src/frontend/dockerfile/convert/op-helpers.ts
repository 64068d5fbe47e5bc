/** Shared by the instruction dispatchers: the stage's current input, adding a vertex as the stage's next step. */
import type { Op, OpMetadata } from '../../../llb/ops.js';
import type { ConvertContext, StageState } from './stage-state.js';

/** History of one instruction: its created_by text, and whether it made a layer. */
export type AddHistory = (createdBy: string, withLayer: boolean) => void;

export function shellOf(cfg: { Shell?: string[] | null }): string[] {
  return cfg.Shell && cfg.Shell.length > 0 ? cfg.Shell : ['/bin/sh', '-c'];
}

export function inputsOf(st: StageState): { digest: string; index: number }[] {
  return st.output ? [st.output] : [];
}

export function addOp(ctx: ConvertContext, st: StageState, op: Op, location: OpMetadata['location'], text: string): void {
  const meta: OpMetadata = { description: st.label(text), ...(location ? { location } : {}) };
  const digest = ctx.graph.add(op, meta);
  st.output = { digest, index: 0 };
}

