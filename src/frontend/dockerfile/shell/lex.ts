/**
 * Shell-word lexer: quote removal, escapes, `$VAR`/`${VAR...}` expansion and (for
 * processWords) splitting, with BuildKit's semantics (frontend/dockerfile/shell/lex.go).
 * The scanner walks code points; `undefined` from peek()/next() is end of input.
 */
import { isDigit, isLetter } from './chars.js';
import type { EnvLookup } from './env.js';
import { LexFailure, ShellExpansionError } from './errors.js';
import { replaceAll, replaceFirst, trimPrefix, trimSuffix } from './pattern.js';
import { WordSplitter } from './words.js';

export interface LexOptions {
  /** Escape character: `\` (default) or `` ` `` (from the `# escape=` directive). */
  escapeToken?: '\\' | '`';
  /** Keep quote characters in the output (still honouring their meaning). */
  rawQuotes?: boolean;
  /** Keep escape characters in the output. */
  rawEscapes?: boolean;
  /** Leave references to unset variables as written (`$X`, `${X:-y}`) instead of expanding. */
  skipUnsetEnv?: boolean;
  /** Treat quotes as ordinary characters. */
  skipProcessQuotes?: boolean;
}

export interface ProcessResult {
  result: string;
  words: string[];
  /** Referenced variables that were set. */
  matched: Set<string>;
  /** Referenced variables that were unset. */
  unmatched: Set<string>;
}

const SPECIAL_PARAMS = new Set(['@', '*', '#', '?', '-', '$', '!', '0']);

/** One expansion run over one word; not reusable. */
export class WordScanner {
  private readonly cps: string[];
  private pos = 0;
  private rawEscapes: boolean;
  readonly matched = new Set<string>();
  readonly unmatched = new Set<string>();

  constructor(word: string, private readonly env: EnvLookup, private readonly opts: Required<LexOptions>) {
    this.cps = Array.from(word);
    if (this.cps[0] === '\uFEFF') this.pos = 1; // Go's text/scanner drops a leading BOM
    this.rawEscapes = opts.rawEscapes;
  }

  run(): { result: string; words: string[] } {
    return this.processStopOn(undefined, this.rawEscapes);
  }

  private peek(): string | undefined { return this.cps[this.pos]; }
  private next(): string | undefined { return this.cps[this.pos++]; }

  /** Process until end of input, or until `stop` (consumed) when given; a missing `stop` is an error. */
  private processStopOn(stop: string | undefined, rawEscapes: boolean): { result: string; words: string[] } {
    const saved = this.rawEscapes;
    this.rawEscapes = rawEscapes;
    try {
      let result = '';
      const words = new WordSplitter();
      for (let ch = this.peek(); ch !== undefined; ch = this.peek()) {
        if (stop !== undefined && ch === stop) {
          this.next();
          return { result, words: words.finish() };
        }
        if (ch === '$') {
          const value = this.processDollar();
          result += value;
          words.addString(value);
          continue;
        }
        if (!this.opts.skipProcessQuotes && (ch === "'" || ch === '"')) {
          const value = ch === "'" ? this.processSingleQuote() : this.processDoubleQuote();
          result += value;
          words.addRawString(value);
          continue;
        }
        this.next();
        if (ch === this.opts.escapeToken) {
          if (this.rawEscapes) { words.addRawChar(ch); result += ch; }
          const escaped = this.next();
          if (escaped === undefined) break; // a trailing escape is dropped
          words.addRawChar(escaped);
          result += escaped;
        } else {
          words.addChar(ch);
          result += ch;
        }
      }
      if (stop !== undefined) throw new LexFailure(`unexpected end of statement while looking for matching ${stop}`);
      return { result, words: words.finish() };
    } finally {
      this.rawEscapes = saved;
    }
  }

  /** Everything up to the next `'` is literal; no escapes. */
  private processSingleQuote(): string {
    let result = '';
    const open = this.next()!;
    if (this.opts.rawQuotes) result += open;
    for (;;) {
      const ch = this.next();
      if (ch === undefined) throw new LexFailure('unexpected end of statement while looking for matching single-quote');
      if (ch === "'") return this.opts.rawQuotes ? result + ch : result;
      result += ch;
    }
  }

  /** `$` expands; the escape token escapes only `"`, `$` and itself, otherwise stays literal. */
  private processDoubleQuote(): string {
    let result = '';
    const open = this.next()!;
    if (this.opts.rawQuotes) result += open;
    for (;;) {
      const peek = this.peek();
      if (peek === undefined) throw new LexFailure('unexpected end of statement while looking for matching double-quote');
      if (peek === '"') {
        this.next();
        return this.opts.rawQuotes ? result + peek : result;
      }
      if (peek === '$') { result += this.processDollar(); continue; }
      let ch = this.next()!;
      if (ch === this.opts.escapeToken) {
        if (this.rawEscapes) result += ch;
        const after = this.peek();
        if (after === undefined) continue; // escape at end: dropped, then the missing quote fails
        if (after === '"' || after === '$' || after === this.opts.escapeToken) ch = this.next()!;
      }
      result += ch;
    }
  }

  private processDollar(): string {
    this.next(); // '$'
    if (this.peek() !== '{') {
      const name = this.processName();
      if (name === '') return '$';
      const value = this.getEnv(name);
      if (value === undefined) return this.opts.skipUnsetEnv ? '$' + name : '';
      return value;
    }
    this.next(); // '{'
    const first = this.peek();
    if (first === undefined) throw new LexFailure("syntax error: missing '}'");
    if (first === '{' || first === '}' || first === ':') throw new LexFailure('syntax error: bad substitution');
    const name = this.processName();
    let ch = this.next();
    if (ch === undefined) throw new LexFailure("syntax error: missing '}'");
    if (ch === '}') {
      const value = this.getEnv(name);
      if (value === undefined) return this.opts.skipUnsetEnv ? `\${${name}}` : '';
      return value;
    }
    if (ch === '/') return this.processReplace(name);
    let modifier = ch;
    const nullIsUnset = ch === ':';
    if (nullIsUnset) {
      ch = this.next();
      if (ch === undefined) throw new LexFailure("syntax error: missing '}'");
      modifier += ch;
    } else if (!'+-?#%'.includes(ch)) {
      throw new LexFailure(`unsupported modifier (${modifier}) in substitution`);
    }
    return this.processModifier({ name, ch, modifier, nullIsUnset });
  }

  /** `${name<modifier>word}` where modifier is one of `- + ? # ## % %%`, optionally after `:`. */
  private processModifier(m: { name: string; ch: string; modifier: string; nullIsUnset: boolean }): string {
    const isTrim = m.ch === '#' || m.ch === '%';
    if (m.nullIsUnset && isTrim) throw new LexFailure(`unsupported modifier (${m.modifier}) in substitution`);
    let word = this.processBraced('}', isTrim, "syntax error: missing '}'");
    const value = this.getEnv(m.name);
    if (value === undefined && this.opts.skipUnsetEnv) return `\${${m.name}${m.modifier}${word}}`;
    const unsetOrNull = value === undefined || (m.nullIsUnset && value === '');
    switch (m.ch) {
      case '-': return unsetOrNull ? word : value!;
      case '+': return unsetOrNull ? '' : word;
      case '?':
        if (value === undefined) throw new LexFailure(`${m.name}: ${word !== '' ? word : 'is not allowed to be unset'}`);
        if (m.nullIsUnset && value === '') throw new LexFailure(`${m.name}: ${word !== '' ? word : 'is not allowed to be empty'}`);
        return value;
      case '#':
      case '%': {
        const greedy = word.startsWith(m.ch);
        if (greedy) word = word.slice(1);
        return m.ch === '%' ? trimSuffix(word, value ?? '', greedy) : trimPrefix(word, value ?? '', greedy);
      }
      default:
        throw new LexFailure(`unsupported modifier (${m.modifier}) in substitution`);
    }
  }

  /** `${name/pattern/replacement}` and `${name//pattern/replacement}` (after the first `/`). */
  private processReplace(name: string): string {
    const all = this.peek() === '/';
    if (all) this.next();
    const pattern = this.processBraced('/', true, "syntax error: missing '/' in ${}");
    const replacement = this.processBraced('}', true, "syntax error: missing '}'");
    const value = this.getEnv(name);
    if (value === undefined && this.opts.skipUnsetEnv) return `\${${name}/${pattern}/${replacement}}`;
    return all ? replaceAll(value ?? '', pattern, replacement) : replaceFirst(value ?? '', pattern, replacement);
  }

  /** A nested word up to `stop`; running out of input reports `eofMessage`. */
  private processBraced(stop: string, rawEscapes: boolean, eofMessage: string): string {
    try {
      return this.processStopOn(stop, rawEscapes).result;
    } catch (e) {
      if (e instanceof LexFailure && this.peek() === undefined) throw new LexFailure(eofMessage);
      throw e;
    }
  }

  /** A name: letters/digits/underscore, or a run of digits (positional), or one special parameter. */
  private processName(): string {
    let name = '';
    for (let ch = this.peek(); ch !== undefined; ch = this.peek()) {
      if (name === '' && isDigit(ch)) {
        while (this.peek() !== undefined && isDigit(this.peek()!)) name += this.next();
        return name;
      }
      if (name === '' && SPECIAL_PARAMS.has(ch)) {
        this.next();
        return ch;
      }
      if (!isLetter(ch) && !isDigit(ch) && ch !== '_') break;
      name += this.next();
    }
    return name;
  }

  private getEnv(name: string): string | undefined {
    const value = this.env.get(name);
    if (value === undefined) this.unmatched.add(name);
    else this.matched.add(name);
    return value;
  }
}

/** Expand one word; LexFailure becomes ShellExpansionError naming the whole word. */
export function processWord(word: string, env: EnvLookup, opts: Required<LexOptions>): ProcessResult {
  const scanner = new WordScanner(word, env, opts);
  try {
    const { result, words } = scanner.run();
    return { result, words, matched: scanner.matched, unmatched: scanner.unmatched };
  } catch (e) {
    if (e instanceof LexFailure) throw new ShellExpansionError(word, e.message);
    throw e;
  }
}
