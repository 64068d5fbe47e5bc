/**
 * BuildKit's AST dump (Node.Dump), the format of the `result` file of each parser/testfiles case:
 * one `(keyword ["flags"] "arg" ...)` per instruction, ONBUILD nesting its instruction.
 */
import { goQuote, trimGo } from './go-text.js';
import type { Node, ParseResult } from './types.js';

/** One instruction without the surrounding parentheses. */
export function dumpNode(node: Node): string {
  let out = node.keyword;
  if (node.flags.length > 0) out += ` [${node.flags.map(goQuote).join(' ')}]`;
  if (node.onbuild) out += ` (${dumpNode(node.onbuild)})`;
  for (const arg of node.args) out += ` ${goQuote(arg)}`;
  return trimGo(out);
}

/** The whole file, without a final newline (the result files hold this plus '\n'). */
export function dumpAst(result: ParseResult): string {
  return trimGo(result.nodes.map((n) => `(${dumpNode(n)})\n`).join(''));
}
