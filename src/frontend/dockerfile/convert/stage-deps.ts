/**
 * Which stages a build needs: the target and, transitively, the stages it builds FROM or copies from.
 * Stages not needed for the target are never converted (so never resolved, pulled or run).
 */
import { DockerfileError } from '../../../errors.js';
import type { Stage } from '../instructions/types.js';

/** A stage reference (`FROM x`, `COPY --from=x`) -> the stage it names, or undefined for an image. */
export function findStage(stages: readonly Stage[], name: string, before?: number): Stage | undefined {
  const lower = name.toLowerCase();
  const byName = stages.find((s) => s.name === lower && (before === undefined || s.index < before));
  if (byName) return byName;
  if (/^[0-9]+$/.test(name)) {
    const idx = Number(name);
    return stages[idx];
  }
  return undefined;
}

export type StageRefs = (stage: Stage) => Stage[];

/** Throws `circular dependency detected on stage: NAME` as BuildKit does (all stages checked, in order). */
export function checkCycles(stages: readonly Stage[], refs: StageRefs): void {
  const state = new Map<number, 'visiting' | 'done'>();
  const visit = (s: Stage): void => {
    const st = state.get(s.index);
    if (st === 'done') return;
    if (st === 'visiting') {
      throw new DockerfileError(`circular dependency detected on stage: ${s.name ?? `stage-${s.index}`}`);
    }
    state.set(s.index, 'visiting');
    for (const d of refs(s)) visit(d);
    state.set(s.index, 'done');
  };
  for (const s of stages) visit(s);
}

export function reachableStages(target: Stage, refs: StageRefs): Set<number> {
  const seen = new Set<number>();
  const walk = (s: Stage): void => {
    if (seen.has(s.index)) return;
    seen.add(s.index);
    for (const d of refs(s)) walk(d);
  };
  walk(target);
  return seen;
}
