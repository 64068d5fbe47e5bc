/**
 * Go's path/filepath.Match on Unix, which BuildKit uses for COPY wildcards: `*` any run of non-'/'
 * characters, `?` one non-'/' character, `[a-c]` / `[^a-c]` classes, `\` escapes the next character.
 * A malformed pattern throws BadPatternError (Go's ErrBadPattern).
 */
export class BadPatternError extends Error {
  constructor(pattern: string) { super(`syntax error in pattern: ${pattern}`); }
}

type Token =
  | { t: 'star' }
  | { t: 'any' }
  | { t: 'lit'; c: string }
  | { t: 'class'; neg: boolean; ranges: Array<[number, number]> };

const cache = new Map<string, Token[]>();

/** True when `name` matches the whole of `pattern`. */
export function goMatch(pattern: string, name: string): boolean {
  let tokens = cache.get(pattern);
  if (tokens === undefined) {
    tokens = tokenize(pattern);
    if (cache.size > 1000) cache.clear();
    cache.set(pattern, tokens);
  }
  return matchFrom(tokens, 0, Array.from(name), 0);
}

/** Throws BadPatternError when Go's Match would return ErrBadPattern. */
export function checkPattern(pattern: string): void {
  tokenize(pattern);
}

/** True when the string has an unescaped `*`, `?` or `[` (fsutil's containsWildcards). */
export function hasWildcard(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch === '\\') i++;
    else if (ch === '*' || ch === '?' || ch === '[') return true;
  }
  return false;
}

function tokenize(pattern: string): Token[] {
  const p = Array.from(pattern);
  const out: Token[] = [];
  let i = 0;
  const esc = (): string => {
    // One class endpoint: a plain character or `\x`; an unescaped '-' or ']' is malformed (Go's getEsc).
    if (i >= p.length || p[i] === '-' || p[i] === ']') throw new BadPatternError(pattern);
    if (p[i] === '\\') { i++; if (i >= p.length) throw new BadPatternError(pattern); }
    return p[i++]!;
  };
  while (i < p.length) {
    const ch = p[i++]!;
    if (ch === '*') out.push({ t: 'star' });
    else if (ch === '?') out.push({ t: 'any' });
    else if (ch === '\\') {
      if (i >= p.length) throw new BadPatternError(pattern);
      out.push({ t: 'lit', c: p[i++]! });
    } else if (ch === '[') {
      const neg = p[i] === '^';
      if (neg) i++;
      const ranges: Array<[number, number]> = [];
      for (;;) {
        if (i < p.length && p[i] === ']' && ranges.length > 0) { i++; break; }
        const lo = esc().codePointAt(0)!;
        let hi = lo;
        if (p[i] === '-') { i++; hi = esc().codePointAt(0)!; }
        ranges.push([lo, hi]);
      }
      out.push({ t: 'class', neg, ranges });
    } else out.push({ t: 'lit', c: ch });
  }
  return out;
}

function matchFrom(tokens: Token[], ti: number, name: string[], ni: number): boolean {
  while (ti < tokens.length) {
    const tok = tokens[ti]!;
    if (tok.t === 'star') {
      // Try every split point up to the next '/'; names are short, so plain backtracking is fine.
      for (let k = ni; ; k++) {
        if (matchFrom(tokens, ti + 1, name, k)) return true;
        if (k >= name.length || name[k] === '/') return false;
      }
    }
    if (ni >= name.length) return false;
    const c = name[ni]!;
    if (tok.t === 'any') { if (c === '/') return false; }
    else if (tok.t === 'lit') { if (c !== tok.c) return false; }
    else {
      const cp = c.codePointAt(0)!;
      const inClass = tok.ranges.some(([lo, hi]) => lo <= cp && cp <= hi);
      if (inClass === tok.neg) return false;
    }
    ti++; ni++;
  }
  return ni === name.length;
}
