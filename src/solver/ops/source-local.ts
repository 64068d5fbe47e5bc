/** `local://NAME`: a --local directory, read in place; never cached (its readers key by content). */
import { stat } from 'node:fs/promises';
import { BuildError, isErrno } from '../../errors.js';
import type { SourceOp } from '../../llb/ops.js';
import type { OpImpl } from '../op-impl.js';
import type { LocalResult, Result } from '../result.js';
import type { Worker } from '../worker.js';

/** The --local directory a `local://NAME` source names, with the patterns it hides. Nothing is read. */
export function localResult(worker: Worker, op: SourceOp): LocalResult {
  const name = op.identifier.slice('local://'.length);
  const dir = worker.locals.get(name);
  if (dir === undefined) throw new BuildError('BK0010', `no local directory given for "${name}"; pass --local ${name}=DIR`);
  const excludes = op.attrs['excludepatterns'];
  const ignore = worker.ignoreFiles.get(name);
  return {
    kind: 'local', name, dir, excludePatterns: excludes ? (JSON.parse(excludes) as string[]) : [],
    ...(ignore !== undefined ? { ignoreFile: ignore.file, excludeLines: ignore.lines } : {}),
  };
}

export const localSourceImpl: OpImpl = {
  cacheable: false,
  async exec(ctx): Promise<Result[]> {
    const op = ctx.op.op;
    if (op.kind !== 'source') throw new Error('localSourceImpl on a non-source op');
    const local = localResult(ctx.worker, op);
    try {
      if (!(await stat(local.dir)).isDirectory()) throw new BuildError('BK0010', `--local ${local.name}=${local.dir}: not a directory`);
    } catch (e) {
      if (isErrno(e, 'ENOENT')) throw new BuildError('BK0010', `--local ${local.name}=${local.dir}: no such directory`);
      throw e;
    }
    return [local];
  },
};
