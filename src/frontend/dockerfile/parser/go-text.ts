/**
 * Go text primitives the Dockerfile format is defined in terms of: unicode.IsSpace,
 * strings.TrimSpace and strconv.Quote. Dump output and word splitting must match Go's
 * definitions exactly, and JavaScript's `\s` / `trim()` differ (they include U+FEFF, and
 * `\s` includes no NEL), so these are spelled out.
 */

/** Go's unicode.IsSpace. */
export function isGoSpace(ch: string): boolean {
  const c = ch.charCodeAt(0);
  if (c <= 0xff) return c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0x85 || c === 0xa0;
  return c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 ||
    c === 0x202f || c === 0x205f || c === 0x3000;
}

/** Go's strings.TrimLeftFunc(s, unicode.IsSpace). */
export function trimLeftGo(s: string): string {
  let i = 0;
  while (i < s.length && isGoSpace(s[i]!)) i++;
  return s.slice(i);
}

/** Go's strings.TrimRightFunc(s, unicode.IsSpace). */
export function trimRightGo(s: string): string {
  let j = s.length;
  while (j > 0 && isGoSpace(s[j - 1]!)) j--;
  return s.slice(0, j);
}

/** Go's strings.TrimSpace. */
export function trimGo(s: string): string {
  return trimRightGo(trimLeftGo(s));
}

/** Go's reWhitespace in the parser: runs of tab, VT, FF, CR, space (not newline, not Unicode spaces). */
export const RE_WHITESPACE = /[\t\v\f\r ]+/;

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;
const SHORT_ESCAPES: Record<string, string> = {
  '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v',
};

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

/**
 * Go's strconv.Quote for a string that came from valid UTF-8 (invalid bytes were already
 * replaced by U+FFFD when the file was decoded, so the `\xHH` form only appears for control
 * characters and DEL).
 */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    if (ch === '"' || ch === '\\') { out += '\\' + ch; continue; }
    if (PRINTABLE.test(ch)) { out += ch; continue; }
    const short = SHORT_ESCAPES[ch];
    if (short !== undefined) { out += short; continue; }
    const cp = ch.codePointAt(0)!;
    if (cp < 0x20 || cp === 0x7f) out += '\\x' + hex(cp, 2);
    else if (cp < 0x10000) out += '\\u' + hex(cp, 4);
    else out += '\\U' + hex(cp, 8);
  }
  return out + '"';
}
