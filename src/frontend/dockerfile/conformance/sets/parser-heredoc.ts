/**
 * derived/heredoc.json: heredocs extracted while parsing, `<<-` chomping, single delimiter
 * words (heredoc / error / not a heredoc) and the heredoc names found on a line.
 */
import { Type } from '@sinclair/typebox';
import {
  chompHeredocContent, heredocNamesFromLine, parseDockerfile, parseHeredocDelimiter,
} from '../../parser/index.js';
import { loadJson } from '../load.js';
import { compare, runCase, type CaseResult, type ConformanceSet } from '../set.js';

const HeredocSchema = Type.Object({
  name: Type.String(), content: Type.String(), expand: Type.Boolean(), chomp: Type.Boolean(), fd: Type.Number(),
});
const Schema = Type.Object({
  parse_cases: Type.Array(Type.Object({
    dockerfile: Type.String(),
    instruction: Type.Union([Type.Number(), Type.Array(Type.Number())]),
    heredocs: Type.Array(HeredocSchema),
  })),
  chomp: Type.Object({ cases: Type.Array(Type.Object({ input: Type.String(), output: Type.String() })) }),
  delimiter_word: Type.Object({
    valid_name_EOF: Type.Array(Type.String()),
    error: Type.Array(Type.String()),
    not_a_heredoc: Type.Array(Type.String()),
  }),
  from_line: Type.Object({ cases: Type.Array(Type.Object({ line: Type.String(), names: Type.Array(Type.String()) })) }),
});

/** Expects parseHeredocDelimiter to throw; returns a mismatch detail. */
function expectDelimiterError(word: string): string | undefined {
  try {
    return `no error, got ${JSON.stringify(parseHeredocDelimiter(word))}`;
  } catch (e) {
    return e instanceof Error ? undefined : `threw a non-Error: ${String(e)}`;
  }
}

export const parserHeredoc: ConformanceSet = {
  name: 'derived/heredoc.json',
  async run(root) {
    const data = await loadJson(root, 'derived/heredoc.json', Schema);
    const out: CaseResult[] = [];
    data.parse_cases.forEach((c, i) => {
      const indexes = typeof c.instruction === 'number' ? [c.instruction] : c.instruction;
      for (const idx of indexes) {
        out.push(runCase(`parse ${i} instruction ${idx} ${JSON.stringify(c.dockerfile.split('\n')[1])}`, () => {
          const node = parseDockerfile(c.dockerfile).nodes[idx];
          if (!node) return `no instruction ${idx}`;
          const got = node.heredocs.map((h) => ({
            name: h.name, content: h.content, expand: h.expand, chomp: h.chomp, fd: h.fileDescriptor,
          }));
          return compare(c.heredocs, got);
        }));
      }
    });
    for (const c of data.chomp.cases) {
      out.push(runCase(`chomp ${JSON.stringify(c.input)}`, () => compare(c.output, chompHeredocContent(c.input))));
    }
    const dw = data.delimiter_word;
    for (const w of dw.valid_name_EOF) {
      out.push(runCase(`delimiter ${JSON.stringify(w)} is EOF`, () => compare('EOF', parseHeredocDelimiter(w)?.name)));
    }
    for (const w of dw.error) out.push(runCase(`delimiter ${JSON.stringify(w)} errors`, () => expectDelimiterError(w)));
    for (const w of dw.not_a_heredoc) {
      out.push(runCase(`delimiter ${JSON.stringify(w)} is not a heredoc`, () => {
        const got = parseHeredocDelimiter(w);
        return got === undefined ? undefined : `got ${JSON.stringify(got)}`;
      }));
    }
    for (const c of data.from_line.cases) {
      out.push(runCase(`from line ${JSON.stringify(c.line)}`, () => compare(c.names, heredocNamesFromLine(c.line))));
    }
    return out;
  },
};
