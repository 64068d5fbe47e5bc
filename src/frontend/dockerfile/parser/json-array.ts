/**
 * Exec-form detection with Go's semantics: BuildKit decodes the argument text with
 * `json.NewDecoder(...).Decode(&[]interface{})`, which reads ONE JSON value and ignores
 * whatever follows it (`CMD ["a"] junk` is exec form ["a"]). A syntax error means "not JSON"
 * (shell form); a well-formed array holding anything but strings is an error of its own.
 */
import { trimLeftGo } from './go-text.js';

/** Outcome of looking at an argument text as a JSON array. */
export type JsonArrayResult =
  | { kind: 'array'; items: string[] }
  | { kind: 'not-json' }
  | { kind: 'not-strings' };

class JsonSyntax extends Error {}

const JSON_WS = new Set([' ', '\t', '\n', '\r']);
const SIMPLE_ESCAPES: Record<string, string> = {
  '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t',
};
const NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/;

/** A strict JSON reader over one value; values other than strings are reported as `null`. */
class Reader {
  pos = 0;
  constructor(private readonly s: string) {}

  private skipWs(): void {
    while (this.pos < this.s.length && JSON_WS.has(this.s[this.pos]!)) this.pos++;
  }

  value(): string | null {
    this.skipWs();
    const ch = this.s[this.pos];
    if (ch === '"') return this.string();
    if (ch === '[') { this.array(() => this.value()); return null; }
    if (ch === '{') { this.object(); return null; }
    for (const lit of ['true', 'false', 'null']) {
      if (this.s.startsWith(lit, this.pos)) { this.pos += lit.length; return null; }
    }
    const m = NUMBER.exec(this.s.slice(this.pos));
    if (m) { this.pos += m[0].length; return null; }
    throw new JsonSyntax();
  }

  /** Reads `[ v, v ]` calling `item` for each element; returns the items. */
  array<T>(item: () => T): T[] {
    const items: T[] = [];
    this.pos++; // '['
    this.skipWs();
    if (this.s[this.pos] === ']') { this.pos++; return items; }
    for (;;) {
      items.push(item());
      this.skipWs();
      const ch = this.s[this.pos++];
      if (ch === ']') return items;
      if (ch !== ',') throw new JsonSyntax();
    }
  }

  private object(): void {
    this.pos++; // '{'
    this.skipWs();
    if (this.s[this.pos] === '}') { this.pos++; return; }
    for (;;) {
      this.skipWs();
      if (this.s[this.pos] !== '"') throw new JsonSyntax();
      this.string();
      this.skipWs();
      if (this.s[this.pos++] !== ':') throw new JsonSyntax();
      this.value();
      this.skipWs();
      const ch = this.s[this.pos++];
      if (ch === '}') return;
      if (ch !== ',') throw new JsonSyntax();
    }
  }

  private string(): string {
    this.pos++; // '"'
    let out = '';
    for (;;) {
      const ch = this.s[this.pos++];
      if (ch === undefined) throw new JsonSyntax();
      if (ch === '"') return out;
      if (ch < ' ') throw new JsonSyntax();
      if (ch !== '\\') { out += ch; continue; }
      const esc = this.s[this.pos++];
      if (esc === undefined) throw new JsonSyntax();
      const simple = SIMPLE_ESCAPES[esc];
      if (simple !== undefined) { out += simple; continue; }
      if (esc !== 'u') throw new JsonSyntax();
      out += this.unicodeEscape();
    }
  }

  private hex4(): number {
    const h = this.s.slice(this.pos, this.pos + 4);
    if (!/^[0-9a-fA-F]{4}$/.test(h)) throw new JsonSyntax();
    this.pos += 4;
    return parseInt(h, 16);
  }

  /** `\uXXXX` after the `\u`; like Go, an unpaired surrogate decodes to U+FFFD. */
  private unicodeEscape(): string {
    const hi = this.hex4();
    if (hi < 0xd800 || hi > 0xdfff) return String.fromCharCode(hi);
    if (hi <= 0xdbff && this.s.startsWith('\\u', this.pos)) {
      const save = this.pos;
      this.pos += 2;
      const lo = this.hex4();
      if (lo >= 0xdc00 && lo <= 0xdfff) return String.fromCharCode(hi, lo);
      this.pos = save; // Go decodes the second escape on its own
    }
    return '\uFFFD';
  }
}

/** Interprets an instruction's argument text as BuildKit's parseJSON does. */
export function parseJsonArray(text: string): JsonArrayResult {
  const rest = trimLeftGo(text);
  if (!rest.startsWith('[')) return { kind: 'not-json' };
  const reader = new Reader(rest);
  let items: (string | null)[];
  try {
    items = reader.array(() => reader.value());
  } catch (e) {
    if (e instanceof JsonSyntax) return { kind: 'not-json' };
    throw e;
  }
  if (items.some((i) => i === null)) return { kind: 'not-strings' };
  return { kind: 'array', items: items as string[] };
}
