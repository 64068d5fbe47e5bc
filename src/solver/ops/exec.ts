/** ExecOp: run a process in a container on the rootfs mount; the rootfs upperdir becomes the new layer. */
import { mkdtemp } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { BuildError, ExecError } from '../../errors.js';
import { runContainer } from '../../runtime/index.js';
import type { OpContext, OpImpl } from '../op-impl.js';
import { expectSnapshot, SCRATCH, type Result } from '../result.js';
import { withNewLayer } from './new-layer.js';

export const execImpl: OpImpl = {
  cacheable: true,
  async exec(ctx: OpContext, inputs: readonly Result[]): Promise<Result[]> {
    const op = ctx.op.op;
    if (op.kind !== 'exec') throw new Error('execImpl on a non-exec op');
    const rootMount = op.mounts.find((m) => m.dest === '/');
    if (!rootMount) throw new Error('exec op without a rootfs mount');
    const other = op.mounts.filter((m) => m !== rootMount);
    if (other.length > 0) {
      throw new BuildError('BK0011', `RUN --mount type=${other[0]!.type} is not supported yet`, ctx.meta.location ? { location: ctx.meta.location } : {});
    }
    if (op.security === 'insecure') {
      throw new BuildError('BK0012', 'RUN --security=insecure is not allowed (it needs --allow security.insecure)');
    }
    const base = rootMount.input < 0 ? SCRATCH : expectSnapshot(inputs[rootMount.input]!, 'exec rootfs');
    const out = await withNewLayer(ctx, base, async (rootfs) => {
      const bundleDir = await mkdtemp(path.join(ctx.worker.runDir, 'bundle-'));
      const { exitCode } = await runContainer({
        id: `buildctl-${randomBytes(8).toString('hex')}`,
        rootfs,
        process: { args: [...op.meta.args], env: [...op.meta.env], cwd: op.meta.cwd, user: op.meta.user },
        network: op.network === 'none' ? 'none' : 'host',
        ...(op.meta.hostname !== undefined ? { hostname: op.meta.hostname } : {}),
        rootless: ctx.worker.rootless,
        noProcessSandbox: ctx.worker.noProcessSandbox,
        bundleDir,
        runcRoot: ctx.worker.runcRoot,
        onOutput: (stream, chunk) => ctx.progress.log(stream, chunk),
        signal: ctx.signal,
      });
      if (exitCode !== 0) {
        throw new ExecError(`process "${op.meta.args.join(' ')}" did not complete successfully: exit code: ${exitCode}`, exitCode,
          ctx.meta.location ? { location: ctx.meta.location } : {});
      }
    }, { pruneCopyUp: true });
    return [out];
  },
};
