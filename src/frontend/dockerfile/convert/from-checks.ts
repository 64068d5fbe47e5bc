/**
 * The FROM line's build checks (BuildKit buildDispatchStates / validateBaseImagesWithDefaultArgs):
 * UndefinedArgInFrom, InvalidDefaultArgInFrom, RedundantTargetPlatform, FromPlatformFlagConstDisallowed.
 */
import { parseReference } from '../../../registry/index.js';
import { didYouMean } from '../../../util/did-you-mean.js';
import type { Stage } from '../instructions/types.js';
import type { Linter } from '../lint/linter.js';
import { RULES } from '../lint/rules.js';
import { parsePlatform } from './platform.js';
import type { EnvLookup, ShellLex } from '../shell/index.js';

const linesOf = (s: Stage): { start: number; end: number } => ({ start: s.from.location.line, end: s.from.location.line });

/** Variables a FROM word uses that are neither global ARGs nor predefined. */
export function reportUndefinedFromArgs(o: { lint: Linter; stage: Stage; unmatched: Iterable<string>; known: readonly string[] }): void {
  for (const v of o.unmatched) {
    if (o.known.includes(v)) continue;
    o.lint.run(RULES.UndefinedArgInFrom, linesOf(o.stage), v, didYouMean(v, o.known));
  }
}

/** With only the ARG defaults (no --build-arg), the base name must still be a valid reference. */
export function checkDefaultBase(o: { lint: Linter; stage: Stage; lex: ShellLex; defaults: EnvLookup }): void {
  let name: string;
  try {
    name = o.lex.processWord(o.stage.from.base, o.defaults);
  } catch {
    return;
  }
  try {
    parseReference(name);
  } catch {
    o.lint.run(RULES.InvalidDefaultArgInFrom, linesOf(o.stage), o.stage.from.base);
  }
}

export function checkPlatformFlag(o: { lint: Linter; stage: Stage; result: string; matched: ReadonlySet<string>; unmatched: ReadonlySet<string>; targetPlatform: string }): void {
  const { lint, stage } = o;
  if (o.matched.size === 1 && o.unmatched.size === 0 && o.matched.has('TARGETPLATFORM') && o.result === o.targetPlatform) {
    lint.run(RULES.RedundantTargetPlatform, linesOf(stage), stage.from.platform!);
  }
  if (o.matched.size > 0 || o.unmatched.size > 0) return;
  const p = parsePlatform(o.result);
  if (!p) return;
  const name = stage.name ?? '';
  if (name.includes(p.os) || name.includes(p.architecture)) return;
  lint.run(RULES.FromPlatformFlagConstDisallowed, linesOf(stage), o.result);
}
