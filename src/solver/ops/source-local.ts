/** `local://NAME`: a --local directory, read in place; never cached (its readers key by content). */
import { stat } from 'node:fs/promises';
import { BuildError, isErrno } from '../../errors.js';
import type { OpImpl } from '../op-impl.js';
import type { Result } from '../result.js';

export const localSourceImpl: OpImpl = {
  cacheable: false,
  async exec(ctx): Promise<Result[]> {
    const op = ctx.op.op;
    if (op.kind !== 'source') throw new Error('localSourceImpl on a non-source op');
    const name = op.identifier.slice('local://'.length);
    const dir = ctx.worker.locals.get(name);
    if (dir === undefined) throw new BuildError('BK0010', `no local directory given for "${name}"; pass --local ${name}=DIR`);
    try {
      if (!(await stat(dir)).isDirectory()) throw new BuildError('BK0010', `--local ${name}=${dir}: not a directory`);
    } catch (e) {
      if (isErrno(e, 'ENOENT')) throw new BuildError('BK0010', `--local ${name}=${dir}: no such directory`);
      throw e;
    }
    const excludes = op.attrs['excludepatterns'];
    return [{ kind: 'local', name, dir, excludePatterns: excludes ? (JSON.parse(excludes) as string[]) : [] }];
  },
};
