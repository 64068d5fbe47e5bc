/**
 * Parser directives: `# name=value` lines at the very top of a Dockerfile (BuildKit
 * directives.go; vectors in derived/directives.json). Names are case-insensitive and only
 * `syntax`, `escape` and `check` are recognised; the first line that is not a recognised
 * directive ends the block; a repeated directive is an error.
 */
import type { Directive } from './types.js';

const VALID = new Set(['syntax', 'escape', 'check']);
// Go's \s is [\t\n\f\r ] and its `.` is any character but '\n'.
const directiveRegexp = (comment: string): RegExp =>
  new RegExp(`^${comment}[\\t\\n\\f\\r ]*([a-zA-Z][a-zA-Z0-9]*)[\\t\\n\\f\\r ]*=[\\t\\n\\f\\r ]*([^\\n]+?)[\\t\\n\\f\\r ]*$`);
const HASH = directiveRegexp('#');
const SLASHES = directiveRegexp('//');

/** A directive that cannot be accepted (repeated). */
export class DirectiveError extends Error {}

/** Feeds lines one at a time; stops recognising at the first non-directive line. */
export class DirectiveParser {
  private done = false;
  private readonly seen = new Set<string>();
  constructor(private readonly re: RegExp = HASH) {}

  get finished(): boolean { return this.done; }

  /** Returns the directive on this line, or undefined; `lineNo` is recorded in the result. */
  parseLine(line: string, lineNo: number): Directive | undefined {
    if (this.done) return undefined;
    const m = this.re.exec(line);
    const name = m?.[1]?.toLowerCase();
    if (!m || name === undefined || !VALID.has(name)) {
      this.done = true;
      return undefined;
    }
    if (this.seen.has(name)) throw new DirectiveError(`only one ${name} parser directive can be used`);
    this.seen.add(name);
    return { name, value: m[2]!, line: lineNo };
  }

  /** All directives of a text's leading block; `firstLine` is the number of its first line. */
  parseAll(text: string, firstLine = 1): Directive[] {
    const out: Directive[] = [];
    const lines = splitScannerLines(text);
    for (let i = 0; i < lines.length && !this.done; i++) {
      const d = this.parseLine(lines[i]!, firstLine + i);
      if (d) out.push(d);
    }
    return out;
  }
}

/** Go bufio.ScanLines: split at '\n', drop one '\r' before it, no empty final line. */
function splitScannerLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}

function toText(source: string | Buffer): string {
  const s = typeof source === 'string' ? source : new TextDecoder('utf-8', { ignoreBOM: true }).decode(source);
  return s.startsWith('\uFEFF') ? s.slice(1) : s;
}

/** The directives of a Dockerfile's leading comment block (throws DirectiveError on repeats). */
export function parseDirectives(source: string | Buffer): Directive[] {
  return new DirectiveParser().parseAll(toText(source));
}

/** A directive found by detectSyntax / parseCheckDirective. */
export interface FoundDirective {
  /** The value up to the first space (for syntax: the frontend image reference). */
  ref: string;
  /** The whole value after `=`, including a trailing `// comment`. */
  cmdline: string;
  /** 1-based line. */
  line: number;
}

/** Drops a leading `#!` line; returns the rest and how many lines were dropped. */
function withoutShebang(text: string): { text: string; skipped: number } {
  if (!text.startsWith('#!')) return { text, skipped: 0 };
  const nl = text.indexOf('\n');
  return { text: nl < 0 ? '' : text.slice(nl + 1), skipped: 1 };
}

/** Like BuildKit, a repeated directive ends the search but keeps what was found before it. */
function findIn(key: string, text: string, re: RegExp, firstLine: number): FoundDirective | undefined {
  const parser = new DirectiveParser(re);
  const lines = splitScannerLines(text);
  for (let i = 0; i < lines.length && !parser.finished; i++) {
    let d: Directive | undefined;
    try {
      d = parser.parseLine(lines[i]!, firstLine + i);
    } catch (e) {
      if (e instanceof DirectiveError) return undefined;
      throw e;
    }
    if (d?.name !== key) continue;
    const space = d.value.indexOf(' ');
    return { ref: space < 0 ? d.value : d.value.slice(0, space), cmdline: d.value, line: d.line };
  }
  return undefined;
}

/**
 * The `syntax` directive, as BuildKit's DetectSyntax: a UTF-8 BOM and a `#!` first line
 * are skipped; `# syntax=`, then `//syntax=`, then a whole-file JSON object `{"syntax": ...}`
 * are tried in that order.
 */
export function detectSyntax(source: string | Buffer): FoundDirective | undefined {
  const { text, skipped } = withoutShebang(toText(source));
  const found = findIn('syntax', text, HASH, skipped + 1) ?? findIn('syntax', text, SLASHES, skipped + 1);
  if (found) return found;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    if (e instanceof SyntaxError) return undefined; // not JSON: no syntax directive
    throw e;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const v = (parsed as Record<string, unknown>)['syntax'];
  return typeof v === 'string' ? { ref: v, cmdline: v, line: skipped + 1 } : undefined;
}

/** The `check` directive (`# check=skip=all`); only the `#` form is accepted. */
export function parseCheckDirective(source: string | Buffer): { value: string; cmdline: string; line: number } | undefined {
  const { text, skipped } = withoutShebang(toText(source));
  const found = findIn('check', text, HASH, skipped + 1);
  return found && { value: found.ref, cmdline: found.cmdline, line: found.line };
}
