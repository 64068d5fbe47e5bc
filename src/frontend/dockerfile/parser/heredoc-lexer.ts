/**
 * The slice of BuildKit's shell lexer (`shell.Lex.ProcessWords`) that heredoc detection needs:
 * no environment and SkipUnsetEnv, so every `$VAR` / `${VAR...}` is kept as written. The
 * full expander lives in the shell module; the parser must not depend on it, and this mode
 * never expands anything, so it is restated here in its reduced form.
 *
 * Modes: `rawQuotes` keeps quote characters in the words, `rawEscapes` keeps escape tokens.
 * One rule beyond the plain lexer (derived/heredoc.json from_line): an unquoted `<<` and the
 * blanks right after it stay in the current word, so `<<  EOF` is one word.
 */
import { isGoSpace } from './go-text.js';

export interface HeredocLexOptions {
  rawQuotes: boolean;
  rawEscapes: boolean;
}

export class LexError extends Error {}

/** Accumulates words: blanks end a word unless added raw (BuildKit wordsStruct). */
class Words {
  word = '';
  words: string[] = [];
  private inWord = false;
  addChar(ch: string): void {
    if (isGoSpace(ch)) {
      if (this.inWord && this.word.length > 0) { this.words.push(this.word); this.word = ''; this.inWord = false; }
    } else this.addRaw(ch);
  }
  addRaw(s: string): void { this.word += s; this.inWord = true; }
  addString(s: string): void { for (const ch of s) this.addChar(ch); }
  finish(): string[] {
    if (this.word.length > 0) { this.words.push(this.word); this.word = ''; this.inWord = false; }
    return this.words;
  }
}

const SPECIAL_PARAMS = new Set(['@', '*', '#', '?', '-', '$', '!', '0']);
const isDigit = (ch: string | undefined): boolean => ch !== undefined && /^\p{Nd}$/u.test(ch);
const isNameChar = (ch: string): boolean => /^[\p{L}\p{Nd}_]$/u.test(ch);

class Lexer {
  private pos = 0;
  private readonly chars: string[];
  private rawEscapes: boolean;
  constructor(text: string, private readonly opts: HeredocLexOptions) {
    this.chars = Array.from(text);
    this.rawEscapes = opts.rawEscapes;
  }
  private peek(): string | undefined { return this.chars[this.pos]; }
  private next(): string | undefined { return this.chars[this.pos++]; }

  /** Reads until `stop` (consumed) or the end; returns the text and the words. */
  processStopOn(stop: string | undefined, rawEscapes: boolean): { text: string; words: string[] } {
    const saved = this.rawEscapes;
    this.rawEscapes = rawEscapes;
    try {
      let text = '';
      const words = new Words();
      while (this.peek() !== undefined) {
        const ch = this.peek()!;
        if (stop !== undefined && ch === stop) { this.next(); return { text, words: words.finish() }; }
        if (ch === '$') { const v = this.dollar(); text += v; words.addString(v); continue; }
        if (ch === "'" || ch === '"') {
          const v = ch === "'" ? this.singleQuote() : this.doubleQuote();
          text += v; words.addRaw(v); continue;
        }
        if (stop === undefined && ch === '<' && this.chars[this.pos + 1] === '<') {
          let op = this.next()! + this.next()!;
          while (this.peek() !== undefined && isGoSpace(this.peek()!)) op += this.next()!;
          text += op; words.addRaw(op); continue;
        }
        let c = this.next()!;
        if (c === '\\') {
          if (this.rawEscapes) { words.addRaw(c); text += c; }
          const escaped = this.next();
          if (escaped === undefined) break;
          c = escaped;
          words.addRaw(c);
        } else words.addChar(c);
        text += c;
      }
      if (stop !== undefined) throw new LexError(`unexpected end of statement while looking for matching ${stop}`);
      return { text, words: words.finish() };
    } finally {
      this.rawEscapes = saved;
    }
  }

  private singleQuote(): string {
    let out = this.opts.rawQuotes ? this.next()! : (this.next(), '');
    for (;;) {
      const ch = this.next();
      if (ch === undefined) throw new LexError('unexpected end of statement while looking for matching single-quote');
      if (ch === "'") return this.opts.rawQuotes ? out + ch : out;
      out += ch;
    }
  }

  private doubleQuote(): string {
    let out = this.opts.rawQuotes ? this.next()! : (this.next(), '');
    for (;;) {
      const ch = this.peek();
      if (ch === undefined) throw new LexError('unexpected end of statement while looking for matching double-quote');
      if (ch === '"') { this.next(); return this.opts.rawQuotes ? out + ch : out; }
      if (ch === '$') { out += this.dollar(); continue; }
      let c = this.next()!;
      if (c === '\\') {
        if (this.rawEscapes) out += c;
        const p = this.peek();
        if (p === undefined) continue;
        if (p === '"' || p === '$' || p === '\\') c = this.next()!;
      }
      out += c;
    }
  }

  /** `$...` with every variable unset and SkipUnsetEnv: the reference is kept as written. */
  private dollar(): string {
    this.next(); // '$'
    if (this.peek() !== '{') {
      const name = this.name();
      return name === '' ? '$' : '$' + name;
    }
    this.next(); // '{'
    const first = this.peek();
    if (first === undefined) throw new LexError("syntax error: missing '}'");
    if (first === '{' || first === '}' || first === ':') throw new LexError('syntax error: bad substitution');
    const name = this.name();
    let ch = this.next();
    if (ch === '}') return '${' + name + '}';
    if (ch === '/') {
      if (this.peek() === '/') this.next();
      const pattern = this.stopOn('/', "syntax error: missing '/' in ${}");
      const repl = this.stopOn('}', "syntax error: missing '}'");
      return '${' + name + '/' + pattern + '/' + repl + '}';
    }
    let mod = ch ?? '';
    if (ch === ':') { ch = this.next(); mod += ch ?? ''; }
    if (mod.startsWith(':') || (ch !== undefined && '+-?#%'.includes(ch))) {
      const word = this.stopOn('}', "syntax error: missing '}'", ch === '#' || ch === '%');
      return '${' + name + mod + word + '}';
    }
    throw new LexError(`unsupported modifier (${mod}) in substitution`);
  }

  private stopOn(stop: string, eofMessage: string, rawEscapes = true): string {
    try {
      return this.processStopOn(stop, rawEscapes).text;
    } catch (e) {
      if (e instanceof LexError && this.peek() === undefined) throw new LexError(eofMessage);
      throw e;
    }
  }

  private name(): string {
    let name = '';
    while (this.peek() !== undefined) {
      const ch = this.peek()!;
      if (name === '' && isDigit(ch)) {
        while (isDigit(this.peek())) name += this.next()!;
        return name;
      }
      if (name === '' && SPECIAL_PARAMS.has(ch)) return this.next()!;
      if (!isNameChar(ch)) break;
      name += this.next()!;
    }
    return name;
  }
}

/** Splits `text` into shell words (escape token `\`, no expansion); throws LexError. */
export function lexHeredocWords(text: string, opts: HeredocLexOptions): string[] {
  return new Lexer(text, opts).processStopOn(undefined, opts.rawEscapes).words;
}
