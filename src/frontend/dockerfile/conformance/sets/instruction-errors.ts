/** derived/instruction-errors.json: Dockerfiles that parse but must be rejected by the instruction layer or the converter. */
import { Type } from '@sinclair/typebox';
import { convertDockerfile } from '../../convert/convert.js';
import { buildProgram } from '../../instructions/program.js';
import { parseDockerfile } from '../../parser/index.js';
import { loadJson } from '../load.js';
import { compare, runCase, type ConformanceSet } from '../set.js';

const Schema = Type.Object({
  cases: Type.Array(Type.Object({
    dockerfile: Type.String(),
    error_contains: Type.Optional(Type.String()),
    error_equals: Type.Optional(Type.String()),
  })),
  healthcheck: Type.Object({ dockerfile: Type.String(), test: Type.Array(Type.String()) }),
});

/** Convert without a registry: every case must fail before an image would be resolved. */
async function convertError(dockerfile: string): Promise<string | undefined> {
  try {
    await convertDockerfile({
      dockerfile, file: 'Dockerfile', buildArgs: new Map(), excludePatterns: [],
      resolveImage: async (ref) => { throw new Error(`conformance: no registry (asked for ${ref})`); },
    });
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

export const instructionErrors: ConformanceSet = {
  name: 'derived/instruction-errors.json',
  async run(root) {
    const data = await loadJson(root, 'derived/instruction-errors.json', Schema);
    const results = await Promise.all(data.cases.map(async (c) => {
      const msg = await convertError(c.dockerfile);
      return runCase(JSON.stringify(c.dockerfile), () => {
        if (msg === undefined) return 'expected an error, got none';
        if (c.error_equals !== undefined) return compare(c.error_equals, msg);
        if (c.error_contains !== undefined && !msg.includes(c.error_contains)) return `error ${JSON.stringify(msg)} does not contain ${JSON.stringify(c.error_contains)}`;
        return undefined;
      });
    }));
    const hc = data.healthcheck;
    results.push(runCase(JSON.stringify(hc.dockerfile), () => {
      const program = buildProgram(parseDockerfile(`FROM scratch\n${hc.dockerfile}\n`), 'Dockerfile');
      const cmd = program.stages[0]!.commands[0]!;
      if (cmd.kind !== 'healthcheck') return `parsed as ${cmd.kind}`;
      return compare(hc.test, [...cmd.test]);
    }));
    return results;
  },
};
