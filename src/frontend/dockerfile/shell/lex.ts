/**
 * Shell-word lexer: quote removal, escapes, `$VAR`/`${VAR...}` expansion and (for
 * processWords) splitting, with BuildKit's semantics (frontend/dockerfile/shell/lex.go).
 * The scanner walks code points; `undefined` from peek()/next() is end of input.
 */
import { processDollar, type DollarContext } from './dollar.js';
import type { EnvLookup } from './env.js';
import { LexFailure, ShellExpansionError } from './errors.js';
import type { LexOptions } from './options.js';
import { WordSplitter } from './words.js';

export type { LexOptions } from './options.js';

export interface ProcessResult {
  result: string;
  words: string[];
  /** Referenced variables that were set. */
  matched: Set<string>;
  /** Referenced variables that were unset. */
  unmatched: Set<string>;
}

/** One expansion run over one word; not reusable. */
export class WordScanner implements DollarContext {
  private readonly cps: string[];
  private pos = 0;
  private rawEscapes: boolean;
  readonly matched = new Set<string>();
  readonly unmatched = new Set<string>();

  constructor(word: string, private readonly env: EnvLookup, readonly opts: Required<LexOptions>) {
    this.cps = Array.from(word);
    if (this.cps[0] === '\uFEFF') this.pos = 1; // Go's text/scanner drops a leading BOM
    this.rawEscapes = opts.rawEscapes;
  }

  run(): { result: string; words: string[] } {
    return this.processStopOn(undefined, this.rawEscapes);
  }

  peek(): string | undefined { return this.cps[this.pos]; }
  next(): string | undefined { return this.cps[this.pos++]; }

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
          const value = processDollar(this);
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
      if (peek === '$') { result += processDollar(this); continue; }
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

  /** A nested word up to `stop`; running out of input reports `eofMessage`. */
  processBraced(stop: string, rawEscapes: boolean, eofMessage: string): string {
    try {
      return this.processStopOn(stop, rawEscapes).result;
    } catch (e) {
      if (e instanceof LexFailure && this.peek() === undefined) throw new LexFailure(eofMessage);
      throw e;
    }
  }

  getEnv(name: string): string | undefined {
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
