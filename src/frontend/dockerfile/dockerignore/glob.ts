/**
 * One .dockerignore pattern, with moby/patternmatcher's semantics (Unix): `*` and `?` never match
 * `/`, `**` matches any number of segments (a `/` right after it is eaten), `[...]` is a class
 * (`[^...]` negated, `\` escapes inside), `\x` is a literal x. Patterns are checked first with
 * Go's filepath.Match grammar, then classified the way patternmatcher does it, so exact,
 * prefix (`dir/**`) and suffix (`**` + literal) patterns are plain string tests and only the
 * rest pay for a RegExp, compiled once here.
 *
 * Deviations from patternmatcher, which passes `[...]` and `\x` to Go's regexp verbatim: we
 * compile classes by the glob grammar and `\x` as a literal x, so `[*]` is the class {*} (Go's
 * regexp would read `[[^/]*]`) and `\d` is the letter d (Go's regexp: any digit). Both agree on
 * every pattern the vectors use and on what the Dockerfile reference documents.
 */

export class BadPatternError extends Error {
  constructor(readonly pattern: string, reason = 'syntax error in pattern') {
    super(reason);
    this.name = 'BadPatternError';
  }
}

export interface CompiledGlob {
  kind: 'exact' | 'prefix' | 'suffix' | 'regexp';
  test(path: string): boolean;
}

/** Throw BadPatternError where Go's filepath.Match would return ErrBadPattern. */
export function validateGlob(pattern: string): void {
  const cps = Array.from(pattern);
  const bad = (): never => { throw new BadPatternError(pattern); };
  let k = 0;
  // One class member (Go's getEsc): not empty, not starting with '-' or ']', and not the last character.
  const member = (): void => {
    if (k >= cps.length || cps[k] === '-' || cps[k] === ']') bad();
    if (cps[k] === '\\' && ++k >= cps.length) bad();
    if (++k >= cps.length) bad();
  };
  while (k < cps.length) {
    const c = cps[k++];
    if (c === '\\') {
      if (k >= cps.length) bad();
      k++;
    } else if (c === '[') {
      if (cps[k] === '^') k++;
      for (let n = 0; ; n++) {
        if (cps[k] === ']' && n > 0) { k++; break; }
        member();
        if (cps[k] === '-') { k++; member(); }
      }
    }
  }
}

const SYNTAX = new Set(['^', '$', '\\', '.', '*', '+', '?', '(', ')', '[', ']', '{', '}', '|', '/']);
const lit = (ch: string): string => (SYNTAX.has(ch) ? '\\' + ch : ch);
const cp = (ch: string): string => `\\u{${ch.codePointAt(0)!.toString(16)}}`;

/** Compile a cleaned, validated pattern (without its `!`). */
export function compileGlob(pattern: string): CompiledGlob {
  const cps = Array.from(pattern);
  let re = '^';
  let kind: CompiledGlob['kind'] = 'exact';
  for (let i = 0, k = 0; k < cps.length; i++) {
    const ch = cps[k++]!;
    if (ch === '*' && cps[k] === '*') {
      k++;
      if (cps[k] === '/') k++;
      if (k >= cps.length) {
        if (kind === 'exact') kind = 'prefix';
        else { re += '.*'; kind = 'regexp'; }
      } else {
        re += '(?:.*/)?';
        kind = 'regexp';
      }
      if (i === 0) kind = 'suffix';
    } else if (ch === '*') {
      re += '[^/]*';
      kind = 'regexp';
    } else if (ch === '?') {
      re += '[^/]';
      kind = 'regexp';
    } else if (ch === '\\') {
      if (k < cps.length) { re += lit(cps[k++]!); kind = 'regexp'; } else re += '\\\\';
    } else if (ch === '[') {
      const cls = readClass(cps, k, pattern);
      k = cls.end;
      re += cls.source;
      kind = 'regexp';
    } else if (ch === ']') {
      re += '\\]';
      kind = 'regexp';
    } else {
      re += lit(ch);
    }
  }
  switch (kind) {
    case 'exact': return { kind, test: (p) => p === pattern };
    case 'prefix': {
      const prefix = pattern.slice(0, -2);
      return { kind, test: (p) => p.startsWith(prefix) };
    }
    case 'suffix': {
      const suffix = pattern.slice(2);
      return { kind, test: (p) => p.endsWith(suffix) || (suffix[0] === '/' && p === suffix.slice(1)) };
    }
    case 'regexp': {
      let regex: RegExp;
      try {
        regex = new RegExp(re + '$', 'u');
      } catch {
        throw new BadPatternError(pattern); // e.g. a reversed range [z-a], which Go's regexp also rejects
      }
      return { kind, test: (p) => regex.test(p) };
    }
  }
}

/** Parse a class starting after its `[` at index k (already validated) into a JS class. */
function readClass(cps: string[], k: number, pattern: string): { source: string; end: number } {
  let source = '[';
  if (cps[k] === '^') { source += '^'; k++; }
  const member = (): string => {
    if (cps[k] === '\\') k++;
    return cps[k++]!;
  };
  for (let n = 0; ; n++) {
    if (cps[k] === ']' && n > 0) return { source: source + ']', end: k + 1 };
    const lo = member();
    let hi = lo;
    if (cps[k] === '-') { k++; hi = member(); }
    if (lo.codePointAt(0)! > hi.codePointAt(0)!) throw new BadPatternError(pattern);
    source += lo === hi ? cp(lo) : `${cp(lo)}-${cp(hi)}`;
  }
}

/** Per-segment tests of a pattern, for canSkipDir; `null` marks a segment that may match anything. */
export type SegmentTests = ReadonlyArray<RegExp | null>;

/**
 * Compile each `/`-separated segment on its own. A segment with `**`, a class or an escape might
 * match across segments or is not worth modelling, so it becomes `null` ("may match anything").
 */
export function compileSegments(pattern: string): SegmentTests {
  return pattern.split('/').map((seg) => {
    if (seg.includes('**') || seg.includes('[') || seg.includes('\\')) return null;
    const body = Array.from(seg).map((c) => (c === '*' ? '[^/]*' : c === '?' ? '[^/]' : lit(c))).join('');
    return new RegExp(`^${body}$`, 'u');
  });
}

/**
 * Could a pattern match `dir`, an ancestor of it or anything below it? Segment by segment; from
 * the first "may match anything" segment on the answer is yes. Conservative: a false yes only
 * costs walking a directory that could have been skipped.
 */
export function mayMatchAtOrUnder(segments: SegmentTests, dirSegments: readonly string[]): boolean {
  const n = Math.min(segments.length, dirSegments.length);
  for (let i = 0; i < n; i++) {
    const test = segments[i];
    if (test === null) return true;
    if (!test!.test(dirSegments[i]!)) return false;
  }
  return true;
}
