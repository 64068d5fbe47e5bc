/**
 * Go's unicode predicates, which BuildKit's lexer and patternmatcher use. JS `\s` differs from
 * Go's unicode.IsSpace: Go includes U+0085 (NEL) and excludes U+FEFF (BOM).
 */
const GO_SPACE = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]$/u;
const GO_SPACE_RUN_START = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/u;
const GO_SPACE_RUN_END = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/u;
const LETTER = /^\p{L}$/u;
const DIGIT = /^\p{Nd}$/u;

/** unicode.IsSpace for one code point (a string of one code point). */
export function isGoSpace(ch: string): boolean {
  return GO_SPACE.test(ch);
}

/** unicode.IsLetter. */
export function isLetter(ch: string): boolean {
  return LETTER.test(ch);
}

/** unicode.IsDigit (decimal digits of any script, category Nd). */
export function isDigit(ch: string): boolean {
  return DIGIT.test(ch);
}

/** strings.TrimSpace. */
export function goTrimSpace(s: string): string {
  return s.replace(GO_SPACE_RUN_START, '').replace(GO_SPACE_RUN_END, '');
}
