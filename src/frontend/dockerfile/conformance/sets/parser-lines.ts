/**
 * derived/parse-line-numbers.json with parser/testfile-line/Dockerfile: instruction line
 * ranges, the empty-continuation warning example and the maximum line length rule.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { DockerfileError } from '../../../../errors.js';
import { parseDockerfile } from '../../parser/index.js';
import { loadJson } from '../load.js';
import { compare, runCase, type CaseResult, type ConformanceSet } from '../set.js';

const Range = { start: Type.Number(), end: Type.Number() };
const Schema = Type.Object({
  file: Type.String(),
  root: Type.Object(Range),
  instructions: Type.Array(Type.Object({ instruction: Type.String(), ...Range })),
  warnings_example: Type.Object({ dockerfile: Type.String(), warnings: Type.Array(Type.String()) }),
  max_line: Type.String(),
});

const WARNING_PREFIX = 'Empty continuation line found in: ';
const MAX = 65535;

/** Expects `source` to fail with the max-line error; returns a mismatch detail. */
function expectTooLong(source: string): string | undefined {
  try {
    parseDockerfile(source);
    return 'parsed without error';
  } catch (e) {
    if (e instanceof DockerfileError && e.message.includes(`greater than max allowed size of ${MAX}`)) return undefined;
    return `wrong error: ${String(e)}`;
  }
}

export const parserLines: ConformanceSet = {
  name: 'derived/parse-line-numbers.json',
  async run(root) {
    const data = await loadJson(root, 'derived/parse-line-numbers.json', Schema);
    const source = await readFile(join(root, 'derived', data.file));
    const out: CaseResult[] = [];
    const parsed = parseDockerfile(source);
    out.push(runCase('root', () => compare(data.root, { start: parsed.startLine, end: parsed.endLine })));
    out.push(runCase('instruction count', () => compare(data.instructions.length, parsed.nodes.length)));
    data.instructions.forEach((want, i) => {
      out.push(runCase(`instruction ${i} (${want.instruction})`, () => {
        const n = parsed.nodes[i];
        return compare(want, n && { instruction: n.keyword.toUpperCase(), start: n.startLine, end: n.endLine });
      }));
    });
    out.push(runCase('empty continuation warnings', () => {
      const got = parseDockerfile(data.warnings_example.dockerfile).warnings.map((w) => w.message);
      return compare(data.warnings_example.warnings.map((w) => WARNING_PREFIX + w), got);
    }));
    const line = (n: number): string => 'RUN ' + 'x'.repeat(n - 4);
    out.push(runCase('line of 65535 bytes parses', () => compare(1, parseDockerfile(line(MAX)).nodes.length)));
    out.push(runCase('line of 65536 bytes fails', () => expectTooLong(line(MAX + 1))));
    out.push(runCase('multi-byte line over the limit fails', () => expectTooLong(line(MAX - 1) + 'é')));
    out.push(runCase('long final line without newline fails', () => expectTooLong(`FROM a\n${line(MAX + 1)}`)));
    return out;
  },
};
