/** Build checks that run while instructions are dispatched (BuildKit dispatch* + validations.go). */
import type { SourceLocation } from '../../../errors.js';
import { didYouMean } from '../../../util/did-you-mean.js';
import type { Linter } from '../lint/linter.js';
import { RULES, type LintRule } from '../lint/rules.js';
import type { StageState } from './stage-state.js';

const at = (l: SourceLocation): { start: number; end: number } => ({ start: l.line, end: l.line });

const DENY = /(?:_|^)(?:apikey|auth|credential|credentials|key|password|pword|passwd|secret|token)(?:_|$)/i;
const ALLOW = /(?:_|^)(?:public|file|version)(?:_|$)/i;

export function checkSecretKey(lint: Linter, instruction: 'ARG' | 'ENV', key: string, loc: SourceLocation): void {
  if (DENY.test(key) && !ALLOW.test(key)) lint.run(RULES.SecretsUsedInArgOrEnv, at(loc), instruction, key);
}

/** CMD, ENTRYPOINT, HEALTHCHECK set twice in a stage: the earlier one is reported (it is the one ignored). */
export function checkUsedOnce(lint: Linter, st: StageState, name: string, loc: SourceLocation): void {
  const prev = st.seen.get(name);
  if (prev) lint.run(RULES.MultipleInstructionsDisallowed, at(prev), name);
  st.seen.set(name, loc);
}

/** UndefinedVar: variables an expansion used that are neither set nor declared as ARG in this stage. */
export function checkUndefinedVars(o: { lint: Linter; unmatched: Iterable<string>; declared: readonly string[]; known: Iterable<string>; loc: SourceLocation }): void {
  const known = [...o.known];
  for (const v of o.unmatched) {
    if (o.declared.includes(v) || v === 'BUILDKIT_SBOM_SCAN_CONTEXT' || v === 'BUILDKIT_SBOM_SCAN_STAGE') continue;
    o.lint.run(RULES.UndefinedVar, at(o.loc), v, didYouMean(v, known));
  }
}

export function lintAt<A extends unknown[]>(lint: Linter, rule: LintRule<A>, loc: SourceLocation, ...args: A): void {
  lint.run(rule, at(loc), ...args);
}

/** Go's %v of a []string: `[a b c]`. */
export function goList(list: readonly string[]): string {
  return `[${list.join(' ')}]`;
}
