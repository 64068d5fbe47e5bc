/**
 * A conformance set: one table of vectors from the shared conformance folder, checked
 * against our implementation. `root` is that folder; sets read their data from it and
 * never keep copies.
 */
export interface CaseResult {
  name: string;
  ok: boolean;
  /** Why it failed (expected vs got), shown by the runner. */
  detail?: string;
  /** Set when the case is reported as skipped rather than passed, with the reason. */
  skipped?: string;
}

export interface ConformanceSet {
  name: string;
  run(root: string): Promise<CaseResult[]>;
}

/** Runs `check` and turns a thrown error into a failed case; `check` returns a detail on mismatch. */
export function runCase(name: string, check: () => string | undefined): CaseResult {
  try {
    const detail = check();
    return detail === undefined ? { name, ok: true } : { name, ok: false, detail };
  } catch (e) {
    return { name, ok: false, detail: `threw: ${e instanceof Error ? e.message : String(e)}` };
  }
}

/** A mismatch detail, or undefined when `got` deep-equals `want` (compared as JSON). */
export function compare(want: unknown, got: unknown): string | undefined {
  const w = JSON.stringify(want);
  const g = JSON.stringify(got);
  return w === g ? undefined : `want ${w}\n       got  ${g}`;
}
