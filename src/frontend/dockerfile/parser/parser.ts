/**
 * Dockerfile text to a line-numbered list of instructions (BuildKit parser.Parse).
 * Line handling is stated in the conformance README ("Lines, comments, continuations,
 * directives") and derived/parse-line-numbers.json.
 */
import { DockerfileError } from '../../../errors.js';
import { DirectiveError, DirectiveParser } from './directives.js';
import { isGoSpace, trimLeftGo } from './go-text.js';
import { HeredocSyntaxError, heredocsFromLine } from './heredoc.js';
import { InstructionSyntaxError } from './line-parsers.js';
import { decodeSource, LineReader, LineTooLongError, trimNewline } from './lines.js';
import { canContainHeredoc, nodeFromLine } from './node.js';
import type { Directive, Heredoc, Node, ParseResult, ParseWarning } from './types.js';

export interface ParseOptions {
  /** File name for error locations; default 'Dockerfile'. */
  file?: string;
}

/** The current escape token and the continuation rule that depends on it. */
class Escape {
  token = '\\';
  private re = Escape.continuation('\\');

  /** `E` at the end (blanks after it allowed) when not preceded by another `E`, or alone. */
  private static continuation(e: string): RegExp {
    const q = e === '\\' ? '\\\\' : e;
    return new RegExp(`([^${q}])${q}[ \\t]*$|^${q}[ \\t]*$`);
  }

  set(value: string): void {
    if (value !== '`' && value !== '\\') throw new DirectiveError(`invalid escape token '${value}' does not match \` or \\`);
    this.token = value;
    this.re = Escape.continuation(value);
  }

  /** Removes a continuation token; `ends` is false when the instruction continues. */
  trim(line: string): { text: string; ends: boolean } {
    if (!this.re.test(line)) return { text: line, ends: true };
    return { text: line.replace(this.re, '$1'), ends: false };
  }
}

const isComment = (line: string): boolean => trimLeftGo(line).startsWith('#');
const isBlank = (line: string): boolean => [...line].every(isGoSpace);

/**
 * Parses a Dockerfile. Throws DockerfileError (location: file, 1-based line, that line's
 * text) for malformed instructions, bad directives, unterminated heredocs, over-long lines
 * and a file with no instructions.
 */
export function parseDockerfile(source: string | Buffer, opts: ParseOptions = {}): ParseResult {
  const file = opts.file ?? 'Dockerfile';
  const reader = new LineReader(decodeSource(source));
  const fail = (message: string, line: number, text?: string): DockerfileError =>
    new DockerfileError(message, { location: { file, line, ...(text === undefined ? {} : { text }) } });
  const read = (): string | undefined => {
    try {
      return reader.next();
    } catch (e) {
      if (e instanceof LineTooLongError) throw fail(e.message, e.line);
      throw e;
    }
  };

  const escape = new Escape();
  const directiveParser = new DirectiveParser();
  const directives: Directive[] = [];
  const warnings: ParseWarning[] = [];
  const nodes: Node[] = [];

  for (let raw = read(); raw !== undefined; raw = read()) {
    if (reader.lineNo === 1 && raw.startsWith('\uFEFF')) raw = raw.slice(1);
    const token = trimLeftGo(trimNewline(raw));
    const startLine = reader.lineNo;
    try {
      const directive = directiveParser.parseLine(token, startLine);
      if (directive) {
        directives.push(directive);
        if (directive.name === 'escape') escape.set(directive.value);
      }
    } catch (e) {
      if (e instanceof DirectiveError) throw fail(e.message, startLine, token);
      throw e;
    }
    const first = escape.trim(isComment(token) ? '' : token);
    if (first.ends && first.text === '') continue;
    const { line, sawEmptyContinuation } = joinContinuations(first, read, escape);
    if (sawEmptyContinuation) {
      warnings.push({ message: `Empty continuation line found in: ${line}`, line: reader.lineNo });
    }

    let node: Node;
    try {
      node = nodeFromLine(line, escape.token, { start: startLine, end: reader.lineNo });
    } catch (e) {
      if (e instanceof InstructionSyntaxError) throw fail(e.message, startLine, token);
      throw e;
    }
    if (canContainHeredoc(node) && line.includes('<<')) {
      node.heredocs = readHeredocs({ line, read, fail: (m) => fail(m, startLine, token) });
      if (node.onbuild) node.onbuild.heredocs = node.heredocs;
    }
    node.endLine = reader.lineNo;
    if (node.onbuild) node.onbuild.endLine = node.endLine;
    nodes.push(node);
  }

  if (nodes.length === 0) throw fail('file with no instructions', Math.max(1, reader.lineNo));
  return {
    nodes, directives, escapeToken: escape.token, warnings,
    startLine: nodes[0]!.startLine, endLine: nodes[nodes.length - 1]!.endLine,
  };
}

/**
 * Appends continuation lines to an instruction's first line until one does not end in the
 * escape token (or the file ends). Comment lines are skipped silently, blank lines with a
 * warning; continuation lines keep their indentation.
 */
function joinContinuations(
  first: { text: string; ends: boolean },
  read: () => string | undefined,
  escape: Escape,
): { line: string; sawEmptyContinuation: boolean } {
  let { text: line, ends } = first;
  let sawEmptyContinuation = false;
  while (!ends) {
    const next = read();
    if (next === undefined) break;
    if (isComment(next)) continue;
    const content = trimNewline(next);
    if (isBlank(content)) { sawEmptyContinuation = true; continue; }
    const trimmed = escape.trim(content);
    line += trimmed.text;
    ends = trimmed.ends;
  }
  return { line, sawEmptyContinuation };
}

/** Reads the bodies of the heredocs started on `line`, in order, from the following lines. */
function readHeredocs(o: {
  line: string;
  read: () => string | undefined;
  fail: (message: string) => DockerfileError;
}): Heredoc[] {
  let starts;
  try {
    starts = heredocsFromLine(o.line);
  } catch (e) {
    if (e instanceof HeredocSyntaxError) throw o.fail(e.message);
    throw e;
  }
  const out: Heredoc[] = [];
  for (const start of starts) {
    let content = '';
    let terminated = false;
    for (let raw = o.read(); raw !== undefined; raw = o.read()) {
      let candidate = trimNewline(raw);
      if (start.chomp) candidate = candidate.replace(/^\t+/, '');
      if (candidate === start.name) { terminated = true; break; }
      content += raw;
    }
    if (!terminated) throw o.fail('unterminated heredoc');
    out.push({ ...start, content });
  }
  return out;
}
