/**
 * Splitting an instruction line into keyword, flags and argument text, and the quote-aware
 * word splitter used by ENV, LABEL and ARG. Both keep BuildKit's exact quirks: quotes and
 * escapes stay in the words (they are removed later, during variable expansion).
 */
import { isGoSpace, RE_WHITESPACE, trimGo } from './go-text.js';

/**
 * Splits `rest` into words at unquoted whitespace, keeping quotes and escapes
 * (BuildKit parseWords; vectors in derived/parse-words.json). Inside single quotes the
 * escape token is literal; an escape token at the very end of the text is dropped.
 */
export function splitWords(rest: string, escapeToken: string): string[] {
  const chars = Array.from(rest);
  const words: string[] = [];
  let phase: 'spaces' | 'word' | 'quote' = 'spaces';
  let word = '';
  let quote = '';
  let blankOK = false;
  for (let i = 0; i <= chars.length; i++) {
    const atEnd = i === chars.length;
    let ch = atEnd ? '' : chars[i]!;
    if (phase === 'spaces') {
      if (atEnd) break;
      if (isGoSpace(ch)) continue;
      phase = 'word';
    }
    if (atEnd) {
      if (blankOK || word.length > 0) words.push(word);
      break;
    }
    if (phase === 'word') {
      if (isGoSpace(ch)) {
        phase = 'spaces';
        if (blankOK || word.length > 0) words.push(word);
        word = '';
        blankOK = false;
        continue;
      }
      if (ch === "'" || ch === '"') {
        quote = ch;
        blankOK = true;
        phase = 'quote';
      }
      if (ch === escapeToken) {
        if (i + 1 === chars.length) continue; // a trailing escape token is dropped
        word += ch;
        ch = chars[++i]!;
      }
      word += ch;
      continue;
    }
    // phase === 'quote'
    if (ch === quote) phase = 'word';
    if (ch === escapeToken && quote !== "'") {
      if (i + 1 === chars.length) { phase = 'word'; continue; }
      word += ch;
      ch = chars[++i]!;
    }
    word += ch;
  }
  return words;
}

/** An instruction line cut into its parts (BuildKit splitCommand). */
export interface SplitLine {
  /** Lower-case keyword. */
  keyword: string;
  flags: string[];
  /** Argument text after the flags, trimmed. */
  rest: string;
}

/** Cuts `line` into keyword, leading `--flags` and the remaining argument text. */
export function splitCommand(line: string): SplitLine {
  const trimmed = trimGo(line);
  const m = RE_WHITESPACE.exec(trimmed);
  const keyword = (m ? trimmed.slice(0, m.index) : trimmed).toLowerCase();
  if (!m) return { keyword, flags: [], rest: '' };
  const { rest, flags } = extractFlags(trimmed.slice(m.index + m[0].length));
  return { keyword, flags, rest: trimGo(rest) };
}

/**
 * Takes leading words that start with `--` as flags, until a word that does not or a lone
 * `--` (dropped). In a flag, quotes are removed and a backslash escapes the next character.
 * BuildKit hard-codes the backslash here regardless of the `escape` directive; so do we.
 * (BuildKit walks bytes and re-encodes each byte as a rune, which garbles non-ASCII flag
 * values; we keep characters intact.)
 */
export function extractFlags(line: string): { rest: string; flags: string[] } {
  const flags: string[] = [];
  let phase: 'spaces' | 'word' | 'quote' = 'spaces';
  let word = '';
  let quote = '';
  let blankOK = false;
  for (let pos = 0; pos <= line.length; pos++) {
    const atEnd = pos === line.length;
    let ch = atEnd ? '' : line[pos]!;
    if (phase === 'spaces') {
      if (atEnd) break;
      if (isGoSpace(ch)) continue;
      if (ch !== '-' || line[pos + 1] !== '-') return { rest: line.slice(pos), flags };
      phase = 'word';
    }
    if (atEnd) {
      if (word !== '--' && (blankOK || word.length > 0)) flags.push(word);
      break;
    }
    if (phase === 'word') {
      if (isGoSpace(ch)) {
        phase = 'spaces';
        if (word === '--') return { rest: line.slice(pos), flags };
        if (blankOK || word.length > 0) flags.push(word);
        word = '';
        blankOK = false;
        continue;
      }
      if (ch === "'" || ch === '"') {
        quote = ch;
        blankOK = true;
        phase = 'quote';
        continue;
      }
      if (ch === '\\') {
        if (pos + 1 === line.length) continue;
        ch = line[++pos]!;
      }
      word += ch;
      continue;
    }
    // phase === 'quote'
    if (ch === quote) { phase = 'word'; continue; }
    if (ch === '\\') {
      if (pos + 1 === line.length) { phase = 'word'; continue; }
      ch = line[++pos]!;
    }
    word += ch;
  }
  return { rest: '', flags };
}
