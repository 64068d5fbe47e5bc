/**
 * One logical instruction line (continuations already joined) to a Node without line
 * numbers or heredoc bodies (BuildKit newNodeFromLine).
 */
import { parseArgs } from './line-parsers.js';
import type { Node } from './types.js';
import { splitCommand } from './words.js';

const HEREDOC_KEYWORDS = new Set(['run', 'copy', 'add']);

/** Builds the node for `line`; throws InstructionSyntaxError for malformed arguments. */
export function nodeFromLine(line: string, escapeToken: string, lines: { start: number; end: number }): Node {
  const { keyword, flags, rest } = splitCommand(line);
  const node: Node = {
    keyword, original: line, flags, args: [], json: false, heredocs: [],
    startLine: lines.start, endLine: lines.end,
  };
  if (keyword === 'onbuild') {
    if (rest !== '') node.onbuild = nodeFromLine(rest, escapeToken, lines);
    return node;
  }
  const parsed = parseArgs(keyword, rest, escapeToken);
  node.args = parsed.args;
  node.json = parsed.json;
  return node;
}

/** RUN, COPY, ADD in shell form (also wrapped in ONBUILD) may carry heredocs. */
export function canContainHeredoc(node: Node): boolean {
  const target = node.keyword === 'onbuild' && node.onbuild ? node.onbuild : node;
  return HEREDOC_KEYWORDS.has(target.keyword) && !target.json;
}
