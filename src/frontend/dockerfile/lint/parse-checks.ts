/**
 * The checks BuildKit runs while it parses (instructions.Parse, validateStageNames, validateCommandCasing and
 * the parser's empty-continuation warnings). They see every stage, used or not.
 */
import type { Node, ParseResult } from '../parser/index.js';
import type { Linter } from './linter.js';
import { RULES } from './rules.js';

const RESERVED_STAGE_NAMES = new Set(['context', 'scratch']);

const lines = (n: Node): { start: number; end: number } => ({ start: n.startLine, end: n.endLine });
/** The instruction keyword as written (the parser lower-cases node.keyword). */
export const origKeyword = (n: Node): string => n.original.trimStart().split(/[ \t]/, 1)[0] ?? n.keyword;
const selfConsistent = (s: string): boolean => s === s.toLowerCase() || s === s.toUpperCase();

export function runParseChecks(ast: ParseResult, lint: Linter): void {
  for (const w of ast.warnings) lint.run(RULES.NoEmptyContinuation, { start: w.line, end: w.line });
  const stageNames = new Set<string>();
  for (const n of ast.nodes) {
    if (n.keyword === 'from') checkFrom(n, lint, stageNames);
    if (n.keyword === 'maintainer') lint.run(RULES.MaintainerDeprecated, lines(n));
    if (n.keyword === 'expose') checkExpose(n, lint);
  }
  checkCasing(ast.nodes, lint);
}

function checkFrom(n: Node, lint: Linter, seen: Set<string>): void {
  if (n.args.length !== 3) return;
  const name = n.args[2]!;
  if (name !== name.toLowerCase()) lint.run(RULES.StageNameCasing, lines(n), name);
  const from = origKeyword(n);
  const as = n.args[1]!;
  if (selfConsistent(from) && (from === from.toLowerCase() ? as !== as.toLowerCase() : as !== as.toUpperCase())) {
    lint.run(RULES.FromAsCasing, lines(n), from, as);
  }
  const lower = name.toLowerCase();
  if (RESERVED_STAGE_NAMES.has(lower)) lint.run(RULES.ReservedStageName, lines(n), lower);
  if (seen.has(lower)) lint.run(RULES.DuplicateStageName, lines(n), lower);
  seen.add(lower);
}

function checkExpose(n: Node, lint: Linter): void {
  for (const p of n.args) {
    if (p.includes(':')) lint.run(RULES.ExposeInvalidFormat, lines(n), p);
    const slash = p.indexOf('/');
    if (slash >= 0) {
      const proto = p.slice(slash + 1);
      if (proto !== proto.toLowerCase()) lint.run(RULES.ExposeProtoCasing, lines(n), p);
    }
  }
}

/** ConsistentInstructionCasing: each instruction against the majority casing of the file. */
function checkCasing(nodes: readonly Node[], lint: Linter): void {
  let lower = 0;
  let upper = 0;
  for (const n of nodes) {
    const k = origKeyword(n);
    if (!selfConsistent(k)) continue;
    if (k === k.toLowerCase()) lower++;
    else upper++;
  }
  const majorityLower = lower > upper;
  for (const n of nodes) {
    const k = origKeyword(n);
    const casing = majorityLower && k.toLowerCase() !== k ? 'lowercase' : !majorityLower && k.toUpperCase() !== k ? 'uppercase' : undefined;
    if (casing !== undefined) lint.run(RULES.ConsistentInstructionCasing, lines(n), k, casing);
  }
}
