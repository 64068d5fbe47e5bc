/**
 * Per-instruction argument parsing (BuildKit line_parsers.go): turns the argument text after
 * the keyword and flags into argument values. Rules are stated in the conformance README,
 * "Argument nodes per instruction".
 */
import { isGoSpace, RE_WHITESPACE } from './go-text.js';
import { parseJsonArray } from './json-array.js';
import { splitWords } from './words.js';

/** What an instruction's argument text parses to. */
export interface ParsedArgs {
  args: string[];
  json: boolean;
}

/** A malformed instruction; the message is the user-facing text. */
export class InstructionSyntaxError extends Error {}

const NOT_STRINGS = 'when using JSON array syntax, arrays must be comprised of strings only';

type LineParser = (rest: string, escapeToken: string) => ParsedArgs;

const none = (): ParsedArgs => ({ args: [], json: false });

/** FROM, EXPOSE: split at whitespace runs, quotes kept. */
function whitespaceDelimited(rest: string): ParsedArgs {
  return rest === '' ? none() : { args: rest.split(RE_WHITESPACE), json: false };
}

/** MAINTAINER, WORKDIR, USER, STOPSIGNAL: the text verbatim. */
function verbatim(rest: string): ParsedArgs {
  return rest === '' ? none() : { args: [rest], json: false };
}

/** RUN, CMD, ENTRYPOINT, SHELL: a JSON string array, else the whole text as one value. */
function maybeJson(rest: string): ParsedArgs {
  if (rest === '') return none();
  const r = parseJsonArray(rest);
  if (r.kind === 'array') return { args: r.items, json: true };
  if (r.kind === 'not-strings') throw new InstructionSyntaxError(NOT_STRINGS);
  return { args: [rest], json: false };
}

/** ADD, COPY, VOLUME: a JSON string array, else whitespace-delimited words. */
function maybeJsonToList(rest: string): ParsedArgs {
  const r = parseJsonArray(rest);
  if (r.kind === 'array') return { args: r.items, json: true };
  if (r.kind === 'not-strings') throw new InstructionSyntaxError(NOT_STRINGS);
  return whitespaceDelimited(rest);
}

/** ARG: one value per word, quotes kept. */
function nameOrNameVal(rest: string, escapeToken: string): ParsedArgs {
  return { args: splitWords(rest, escapeToken), json: false };
}

/**
 * ENV, LABEL: `key value` (legacy: value is the verbatim rest; separator "") or
 * `k=v k2=v2` (each split at its first '='; separator "=").
 */
function nameVal(keyword: string): LineParser {
  return (rest, escapeToken) => {
    const words = splitWords(rest, escapeToken);
    if (words.length === 0) return none();
    if (!words[0]!.includes('=')) {
      const m = RE_WHITESPACE.exec(rest);
      if (!m) throw new InstructionSyntaxError(`${keyword} must have two arguments`);
      return { args: [rest.slice(0, m.index), rest.slice(m.index + m[0].length), ''], json: false };
    }
    const args: string[] = [];
    for (const word of words) {
      const eq = word.indexOf('=');
      if (eq < 0) {
        throw new InstructionSyntaxError(`Syntax error - can't find = in ${JSON.stringify(word)}. Must be of the form: name=value`);
      }
      args.push(word.slice(0, eq), word.slice(eq + 1), '=');
    }
    return { args, json: false };
  };
}

/** HEALTHCHECK: the first word is the type (CMD, NONE), the remainder parsed like CMD. */
function healthConfig(rest: string): ParsedArgs {
  let sep = 0;
  while (sep < rest.length && !isGoSpace(rest[sep]!)) sep++;
  if (sep === 0) return none();
  let next = sep;
  while (next < rest.length && isGoSpace(rest[next]!)) next++;
  const cmd = maybeJson(rest.slice(next));
  return { args: [rest.slice(0, sep), ...cmd.args], json: cmd.json };
}

// A Map, not an object literal: `constructor` is a plausible unknown keyword.
const PARSERS = new Map<string, LineParser>([
  ['add', maybeJsonToList],
  ['arg', nameOrNameVal],
  ['cmd', maybeJson],
  ['copy', maybeJsonToList],
  ['entrypoint', maybeJson],
  ['env', nameVal('ENV')],
  ['expose', whitespaceDelimited],
  ['from', whitespaceDelimited],
  ['healthcheck', healthConfig],
  ['label', nameVal('LABEL')],
  ['maintainer', verbatim],
  ['run', maybeJson],
  ['shell', maybeJson],
  ['stopsignal', verbatim],
  ['user', verbatim],
  ['volume', maybeJsonToList],
  ['workdir', verbatim],
]);

/**
 * Parses the argument text of `keyword` (lower case, not ONBUILD). An unknown keyword is not
 * an error here: like BuildKit it gets one empty argument, and is rejected later when
 * instructions are built (`unknown instruction: FOO`).
 */
export function parseArgs(keyword: string, rest: string, escapeToken: string): ParsedArgs {
  const parser = PARSERS.get(keyword);
  if (!parser) return { args: [''], json: false };
  return parser(rest, escapeToken);
}
