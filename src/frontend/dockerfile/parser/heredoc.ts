/**
 * Heredoc starts (`<<EOF`, `<<-EOF`, `3<<'EOF'`) as BuildKit's parser finds them
 * (vectors: derived/heredoc.json). Bodies are read by the parser loop, not here.
 */
import { lexHeredocWords, LexError } from './heredoc-lexer.js';
import type { HeredocStart } from './types.js';

const RE_HEREDOC = /^([0-9]*)<<(-?)([^<]*)$/;
// Go's (?m)^ is after '\n' only; JavaScript's m flag would also match after '\r'.
const RE_LEADING_TABS = /(^|\n)\t+/g;

/** The delimiter word is malformed (e.g. an unterminated quote: `<<'EOF`). */
export class HeredocSyntaxError extends Error {}

/**
 * Parses one word of the form `[digits]<<[-][blanks]WORD`. Returns undefined when the word
 * is not a heredoc start (`<<`, `<<<EOF`, `<<EOF sh`), throws HeredocSyntaxError when it is
 * one but its delimiter cannot be lexed. `expand` is false when any part of WORD is quoted:
 * lexing with and without raw quotes then yields different quote counts.
 */
export function parseHeredocDelimiter(word: string): HeredocStart | undefined {
  const m = RE_HEREDOC.exec(word);
  if (!m) return undefined;
  const rest = m[3]!;
  if (rest === '') return undefined;
  let words: string[];
  let rawWords: string[];
  try {
    words = lexHeredocWords(rest, { rawQuotes: false, rawEscapes: false });
    if (words.length !== 1) return undefined;
    rawWords = lexHeredocWords(rest, { rawQuotes: true, rawEscapes: false });
  } catch (e) {
    if (e instanceof LexError) throw new HeredocSyntaxError(`failed to process ${JSON.stringify(rest)}: ${e.message}`);
    throw e;
  }
  if (rawWords.length !== 1) throw new HeredocSyntaxError(`internal lexing of heredoc produced inconsistent results: ${rest}`);
  const name = words[0]!;
  return {
    name,
    expand: countQuotes(name) === countQuotes(rawWords[0]!),
    chomp: m[2] === '-',
    fileDescriptor: m[1] === '' ? 0 : Number(m[1]),
  };
}

function countQuotes(s: string): number {
  let n = 0;
  for (const ch of s) if (ch === "'" || ch === '"') n++;
  return n;
}

/**
 * All heredoc starts on an instruction line, in order. The line is split into words with
 * quotes and escapes kept, so a quoted `"<<EOF"` is not a heredoc; a line the lexer cannot
 * split (unbalanced quote) has none, as in BuildKit.
 */
export function heredocsFromLine(line: string): HeredocStart[] {
  let words: string[];
  try {
    words = lexHeredocWords(line, { rawQuotes: true, rawEscapes: true });
  } catch (e) {
    if (e instanceof LexError) return [];
    throw e;
  }
  const found: HeredocStart[] = [];
  for (const w of words) {
    const h = parseHeredocDelimiter(w);
    if (h) found.push(h);
  }
  return found;
}

/** Names of the heredocs started on `line`. */
export function heredocNamesFromLine(line: string): string[] {
  return heredocsFromLine(line).map((h) => h.name);
}

/** What `<<-` does to a body: remove ALL leading tabs of every line. */
export function chompHeredocContent(content: string): string {
  return content.replace(RE_LEADING_TABS, '$1');
}
