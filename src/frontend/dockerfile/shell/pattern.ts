/**
 * Shell patterns inside `${V#p}`, `${V%p}`, `${V/p/r}`: `*` is any string, `?` one character,
 * `\` escapes `*`, `?` or `\`; `\}` and `\/` are the escaped delimiters of `${}` and drop their
 * backslash. No bracket expressions: every other character is literal. Same grammar as
 * BuildKit's convertShellPatternToRegex; regexes use the `u` flag so `?` is one code point,
 * like Go's rune-based regexp.
 */
import { LexFailure } from './errors.js';

const REGEX_SPECIAL = new Set(['[', ']', '{', '}', '.', '+', '(', ')', '|', '^', '$', '*', '?', '\\', '/']);

export function shellPatternToRegex(pattern: string, opts: { greedy: boolean; anchored: boolean }): RegExp {
  const cps = Array.from(pattern);
  let out = opts.anchored ? '^' : '';
  for (let i = 0; i < cps.length; i++) {
    const ch = cps[i]!;
    if (ch === '*') { out += opts.greedy ? '.*' : '.*?'; continue; }
    if (ch === '?') { out += '.'; continue; }
    if (ch === '\\') {
      const next = cps[i + 1];
      if (next === '}' || next === '/') continue; // the next iteration emits it literally
      if (next !== '*' && next !== '?' && next !== '\\') {
        throw new LexFailure(`invalid escape '\\${next ?? ''}'`);
      }
      out += '\\' + next;
      i++;
      continue;
    }
    out += REGEX_SPECIAL.has(ch) ? '\\' + ch : ch;
  }
  return new RegExp(out, 'u');
}

function compile(pattern: string, opts: { greedy: boolean; anchored: boolean }): RegExp {
  try {
    return shellPatternToRegex(pattern, opts);
  } catch (e) {
    if (e instanceof LexFailure) throw new LexFailure(`invalid pattern (${pattern}) in substitution: ${e.message}`);
    throw e;
  }
}

/** `${V#p}` / `${V##p}`: remove the shortest (longest when greedy) prefix matching the pattern. */
export function trimPrefix(pattern: string, value: string, greedy: boolean): string {
  const m = compile(pattern, { greedy, anchored: true }).exec(value);
  return m ? value.slice(m[0].length) : value;
}

/**
 * `${V%p}` / `${V%%p}`: a regex cannot find the shortest rightmost match directly, so reverse
 * both the value and the pattern (keeping `\x` escapes in order) and trim a prefix instead.
 */
export function trimSuffix(pattern: string, value: string, greedy: boolean): string {
  return reverseString(trimPrefix(reversePattern(pattern), reverseString(value), greedy));
}

export function reverseString(s: string): string {
  return Array.from(s).reverse().join('');
}

/** Reverse a pattern by code points, keeping each `\x` escape pair as `\x`. */
export function reversePattern(pattern: string): string {
  const cps = Array.from(pattern);
  const out: string[] = new Array<string>(cps.length);
  const last = cps.length - 1;
  for (let i = 0; i <= last;) {
    const outIdx = last - i;
    if (cps[i] === '\\' && i !== last) {
      out[outIdx - 1] = '\\';
      out[outIdx] = cps[i + 1]!;
      i += 2;
    } else {
      out[outIdx] = cps[i]!;
      i++;
    }
  }
  return out.join('');
}

/** `${V/p/r}`: replace the first (leftmost, longest-star) match literally. */
export function replaceFirst(value: string, pattern: string, replacement: string): string {
  const m = compile(pattern, { greedy: true, anchored: false }).exec(value);
  if (!m) return value;
  return value.slice(0, m.index) + replacement + value.slice(m.index + m[0].length);
}

/**
 * `${V//p/r}` with Go's ReplaceAllString semantics: an empty match right after a previous match
 * is skipped (JS would take it), and the replacement goes through Go's template expansion, where
 * `$$` is `$` and `$name`/`${name}` name a capture group. Our regexes have no groups, so those
 * expand to nothing; a `$` not followed by a name stays literal.
 */
export function replaceAll(value: string, pattern: string, replacement: string): string {
  const re = new RegExp(compile(pattern, { greedy: true, anchored: false }).source, 'gu');
  const repl = expandGoTemplate(replacement);
  let out = '';
  let copied = 0;
  let prevEnd = -1;
  for (let m = re.exec(value); m; m = re.exec(value)) {
    const start = m.index;
    const end = start + m[0].length;
    if (m[0].length === 0) {
      re.lastIndex = advance(value, end);
      if (start === prevEnd) continue;
    }
    out += value.slice(copied, start) + repl;
    copied = end;
    prevEnd = end;
    if (re.lastIndex > value.length) break;
  }
  return out + value.slice(copied);
}

function advance(s: string, i: number): number {
  const cp = s.codePointAt(i);
  return i + (cp !== undefined && cp > 0xffff ? 2 : 1);
}

function expandGoTemplate(t: string): string {
  return t.replace(/\$(\$|\{[A-Za-z0-9_]+\}|[A-Za-z0-9_]+)?/g, (whole, ref: string | undefined) => {
    if (ref === undefined) return whole;
    return ref === '$' ? '$' : '';
  });
}
