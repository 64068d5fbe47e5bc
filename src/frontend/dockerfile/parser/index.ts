/**
 * Dockerfile parser: text to a line-numbered AST (instructions with flags, argument values,
 * heredocs), plus directive detection. Semantics follow BuildKit's frontend/dockerfile/parser;
 * the conformance vectors in shared/conformance pin them down.
 */
export type { Directive, Heredoc, HeredocStart, Node, ParseResult, ParseWarning } from './types.js';
export { parseDockerfile, type ParseOptions } from './parser.js';
export { dumpAst, dumpNode } from './dump.js';
export { splitWords } from './words.js';
export { parseDirectives, detectSyntax, parseCheckDirective, type FoundDirective } from './directives.js';
export { parseHeredocDelimiter, heredocsFromLine, heredocNamesFromLine, chompHeredocContent } from './heredoc.js';
export { goQuote } from './go-text.js';
