/** --local NAME=DIR (repeatable): DIR must be an existing directory; stored absolute. */
import { statSync } from 'node:fs';
import path from 'node:path';
import { FlagError, isErrno } from '../errors.js';

export function parseLocals(values: readonly string[], cwd: string): Map<string, string> {
  const locals = new Map<string, string>();
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq <= 0 || eq === v.length - 1) throw new FlagError(`invalid --local "${v}": expected NAME=DIR`, { hint: 'e.g. --local context=. --local dockerfile=.' });
    const name = v.slice(0, eq);
    const dir = path.resolve(cwd, v.slice(eq + 1));
    const previous = locals.get(name);
    if (previous !== undefined && previous !== dir) throw new FlagError(`--local ${name} given twice (${previous} and ${dir})`);
    let isDir: boolean;
    try {
      isDir = statSync(dir).isDirectory();
    } catch (e) {
      if (isErrno(e, 'ENOENT') || isErrno(e, 'ENOTDIR')) throw new FlagError(`--local ${v}: directory ${dir} does not exist`);
      throw e;
    }
    if (!isDir) throw new FlagError(`--local ${v}: ${dir} is not a directory`);
    locals.set(name, dir);
  }
  return locals;
}
