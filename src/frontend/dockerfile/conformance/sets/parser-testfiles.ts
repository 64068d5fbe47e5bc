/**
 * parser/testfiles (each Dockerfile must dump exactly to its `result`) and
 * parser/testfiles-negative (each Dockerfile must fail to parse). README sections 1 and 2.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DockerfileError } from '../../../../errors.js';
import { dumpAst, parseDockerfile } from '../../parser/index.js';
import { runCase, type CaseResult, type ConformanceSet } from '../set.js';

async function caseDirs(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
}

export const parserTestfiles: ConformanceSet = {
  name: 'parser/testfiles',
  async run(root) {
    const dir = join(root, 'parser', 'testfiles');
    const out: CaseResult[] = [];
    for (const name of await caseDirs(dir)) {
      const source = await readFile(join(dir, name, 'Dockerfile'));
      const want = await readFile(join(dir, name, 'result'), 'utf8');
      out.push(runCase(name, () => {
        const got = dumpAst(parseDockerfile(source)) + '\n';
        return got === want ? undefined : `want:\n${want}got:\n${got}`;
      }));
    }
    return out;
  },
};

export const parserTestfilesNegative: ConformanceSet = {
  name: 'parser/testfiles-negative',
  async run(root) {
    const dir = join(root, 'parser', 'testfiles-negative');
    const out: CaseResult[] = [];
    for (const name of await caseDirs(dir)) {
      const source = await readFile(join(dir, name, 'Dockerfile'));
      let detail: string | undefined;
      try {
        detail = `parsed without error:\n${dumpAst(parseDockerfile(source))}`;
      } catch (e) {
        // A user-facing parse error is what the vector asks for; anything else is a bug.
        detail = e instanceof DockerfileError ? undefined : `threw a non-DockerfileError: ${String(e)}`;
      }
      out.push(detail === undefined ? { name, ok: true } : { name, ok: false, detail });
    }
    return out;
  },
};
