/**
 * `$NAME`, `${NAME}` and `${NAME<modifier>...}` (BuildKit lex.go processDollar). Called with the
 * scanner positioned on the `$`; nested words (defaults, patterns) are read back through
 * DollarContext.processBraced so quotes, escapes and nested expansions work inside them.
 */
import { isDigit, isLetter } from './chars.js';
import { LexFailure } from './errors.js';
import type { LexOptions } from './options.js';
import { replaceAll, replaceFirst, trimPrefix, trimSuffix } from './pattern.js';

/** What the `${}` parser needs from the word scanner. */
export interface DollarContext {
  readonly opts: Required<LexOptions>;
  peek(): string | undefined;
  next(): string | undefined;
  /** Look a variable up, recording it as matched or unmatched. */
  getEnv(name: string): string | undefined;
  /** Read a nested word up to `stop` (consumed); end of input reports `eofMessage`. */
  processBraced(stop: string, rawEscapes: boolean, eofMessage: string): string;
}

const SPECIAL_PARAMS = new Set(['@', '*', '#', '?', '-', '$', '!', '0']);

export function processDollar(sc: DollarContext): string {
  sc.next(); // '$'
  if (sc.peek() !== '{') {
    const name = processName(sc);
    if (name === '') return '$';
    const value = sc.getEnv(name);
    if (value === undefined) return sc.opts.skipUnsetEnv ? '$' + name : '';
    return value;
  }
  sc.next(); // '{'
  const first = sc.peek();
  if (first === undefined) throw new LexFailure("syntax error: missing '}'");
  if (first === '{' || first === '}' || first === ':') throw new LexFailure('syntax error: bad substitution');
  const name = processName(sc);
  let ch = sc.next();
  if (ch === undefined) throw new LexFailure("syntax error: missing '}'");
  if (ch === '}') {
    const value = sc.getEnv(name);
    if (value === undefined) return sc.opts.skipUnsetEnv ? `\${${name}}` : '';
    return value;
  }
  if (ch === '/') return processReplace(sc, name);
  let modifier = ch;
  const nullIsUnset = ch === ':';
  if (nullIsUnset) {
    ch = sc.next();
    if (ch === undefined) throw new LexFailure("syntax error: missing '}'");
    modifier += ch;
  } else if (!'+-?#%'.includes(ch)) {
    throw new LexFailure(`unsupported modifier (${modifier}) in substitution`);
  }
  return processModifier(sc, { name, ch, modifier, nullIsUnset });
}

/** `${name<modifier>word}` where modifier is one of `- + ? # ## % %%`, optionally after `:`. */
function processModifier(sc: DollarContext, m: { name: string; ch: string; modifier: string; nullIsUnset: boolean }): string {
  const isTrim = m.ch === '#' || m.ch === '%';
  if (m.nullIsUnset && isTrim) throw new LexFailure(`unsupported modifier (${m.modifier}) in substitution`);
  let word = sc.processBraced('}', isTrim, "syntax error: missing '}'");
  const value = sc.getEnv(m.name);
  if (value === undefined && sc.opts.skipUnsetEnv) return `\${${m.name}${m.modifier}${word}}`;
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
function processReplace(sc: DollarContext, name: string): string {
  const all = sc.peek() === '/';
  if (all) sc.next();
  const pattern = sc.processBraced('/', true, "syntax error: missing '/' in ${}");
  const replacement = sc.processBraced('}', true, "syntax error: missing '}'");
  const value = sc.getEnv(name);
  if (value === undefined && sc.opts.skipUnsetEnv) return `\${${name}/${pattern}/${replacement}}`;
  return all ? replaceAll(value ?? '', pattern, replacement) : replaceFirst(value ?? '', pattern, replacement);
}

/** A name: letters/digits/underscore, or a run of digits (positional), or one special parameter. */
function processName(sc: DollarContext): string {
  let name = '';
  for (let ch = sc.peek(); ch !== undefined; ch = sc.peek()) {
    if (name === '' && isDigit(ch)) {
      while (sc.peek() !== undefined && isDigit(sc.peek()!)) name += sc.next();
      return name;
    }
    if (name === '' && SPECIAL_PARAMS.has(ch)) {
      sc.next();
      return ch;
    }
    if (!isLetter(ch) && !isDigit(ch) && ch !== '_') break;
    name += sc.next();
  }
  return name;
}
