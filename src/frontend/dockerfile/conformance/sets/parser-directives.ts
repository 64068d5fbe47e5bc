/**
 * derived/directives.json: the leading directive block, syntax detection (`#`, `//`,
 * JSON, shebang, BOM), the check directive and the escape token rule.
 */
import { Type } from '@sinclair/typebox';
import { DockerfileError } from '../../../../errors.js';
import { detectSyntax, parseCheckDirective, parseDirectives, parseDockerfile } from '../../parser/index.js';
import { loadJson } from '../load.js';
import { compare, runCase, type CaseResult, type ConformanceSet } from '../set.js';

const Found = {
  text: Type.String(),
  text_hex_prefix: Type.Optional(Type.String()),
  found: Type.Boolean(),
  cmdline: Type.Optional(Type.String()),
  line: Type.Optional(Type.Number()),
};
const Schema = Type.Object({
  parse_all: Type.Array(Type.Object({
    text: Type.String(),
    directives: Type.Array(Type.Object({ name: Type.String(), value: Type.String() })),
  })),
  detect_syntax: Type.Array(Type.Object({ ...Found, ref: Type.Optional(Type.String()) })),
  parse_directive_check: Type.Array(Type.Object({ ...Found, value: Type.Optional(Type.String()) })),
});

/** The vector's text as bytes, with its optional hex prefix (a BOM). */
function source(c: { text: string; text_hex_prefix?: string }): Buffer {
  return Buffer.concat([Buffer.from(c.text_hex_prefix ?? '', 'hex'), Buffer.from(c.text, 'utf8')]);
}

/** Compares only the fields the vector states (`ref`/`value` as `ref`, `cmdline`, `line`). */
function compareFound(
  want: { found: boolean; ref?: string; cmdline?: string; line?: number },
  got: { ref: string; cmdline: string; line: number } | undefined,
): string | undefined {
  if (!want.found) return got === undefined ? undefined : `want not found, got ${JSON.stringify(got)}`;
  if (!got) return 'want found, got not found';
  const pick = {
    ...(want.ref === undefined ? {} : { ref: got.ref }),
    ...(want.cmdline === undefined ? {} : { cmdline: got.cmdline }),
    ...(want.line === undefined ? {} : { line: got.line }),
  };
  const expected = {
    ...(want.ref === undefined ? {} : { ref: want.ref }),
    ...(want.cmdline === undefined ? {} : { cmdline: want.cmdline }),
    ...(want.line === undefined ? {} : { line: want.line }),
  };
  return compare(expected, pick);
}

/** Expects the Dockerfile to be rejected with `fragment` in the message. */
function expectParseError(text: string, fragment: string): string | undefined {
  try {
    parseDockerfile(text);
    return 'parsed without error';
  } catch (e) {
    return e instanceof DockerfileError && e.message.includes(fragment) ? undefined : `wrong error: ${String(e)}`;
  }
}

export const parserDirectives: ConformanceSet = {
  name: 'derived/directives.json',
  async run(root) {
    const data = await loadJson(root, 'derived/directives.json', Schema);
    const out: CaseResult[] = [];
    data.parse_all.forEach((c, i) => out.push(runCase(`parse_all ${i}`, () =>
      compare(c.directives, parseDirectives(c.text).map((d) => ({ name: d.name, value: d.value }))))));
    data.detect_syntax.forEach((c, i) => out.push(runCase(`detect_syntax ${i} ${JSON.stringify(c.text)}`, () =>
      compareFound(c, detectSyntax(source(c))))));
    data.parse_directive_check.forEach((c, i) => {
      out.push(runCase(`parse_directive_check ${i} ${JSON.stringify(c.text)}`, () => {
        const got = parseCheckDirective(source(c));
        const want = { ...c, ...(c.value === undefined ? {} : { ref: c.value }) };
        return compareFound(want, got && { ref: got.value, cmdline: got.cmdline, line: got.line });
      }));
    });
    out.push(runCase('escape backtick accepted', () =>
      compare('`', parseDockerfile('# escape=`\nFROM a\n').escapeToken)));
    out.push(runCase('escape X rejected', () =>
      expectParseError('# escape=X\nFROM a\n', "invalid escape token 'X' does not match ` or \\")));
    out.push(runCase('repeated directive rejected', () =>
      expectParseError('# syntax=a\n# syntax=b\nFROM a\n', 'only one syntax parser directive can be used')));
    return out;
  },
};
