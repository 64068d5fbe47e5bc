/**
 * ExecOp: run a process in a container on the rootfs mount; the rootfs upperdir becomes the new layer.
 * Its other mounts (bind, cache, tmpfs, secret, ssh) are set up by exec-mounts.ts and never reach the layer:
 * they are mounted over the rootfs, and mount points runc had to create are removed again (mount-stubs.ts).
 *
 * Cache key: the op itself (mount definitions included: cache ids, secret ids, targets; never secret values or
 * cache mount contents) plus, for bind mounts of the build context, the content of the paths they bind, as a
 * COPY of those paths would be keyed.
 */
import { mkdtemp } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Canonical } from '../../llb/canonical.js';
import { ExecError, withLocation } from '../../errors.js';
import { checksumPaths } from '../../fileop/index.js';
import { runContainer } from '../../runtime/index.js';
import type { OpContext, OpImpl } from '../op-impl.js';
import { expectSnapshot, SCRATCH, type Result } from '../result.js';
import { checkEntitlements } from './exec-entitlements.js';
import { withExecMounts } from './exec-mounts.js';
import { secretEnvVars } from './exec-secrets.js';
import { withNewLayer } from './new-layer.js';

export const execImpl: OpImpl = {
  cacheable: true,

  async contentKey(ctx, local): Promise<Canonical | undefined> {
    const op = ctx.op.op;
    if (op.kind !== 'exec') return undefined;
    checkEntitlements(op, ctx.worker.allow, ctx.meta.location);
    const parts: Canonical[] = [];
    for (const m of op.mounts) {
      if (m.type !== 'bind' || m.dest === '/') continue;
      const src = local(m.input);
      if (!src) continue;
      const digest = await checksumPaths({
        root: src.dir, paths: [m.selector ?? '/'], followSymlinks: true,
        ...(src.excludePatterns.length > 0 ? { excludePatterns: [...src.excludePatterns] } : {}),
        memo: await ctx.worker.checksumMemo(),
      }).catch((e: unknown) => { throw withLocation(e, ctx.meta.location); });
      parts.push([m.dest, m.selector ?? '/', digest]);
    }
    return parts.length > 0 ? parts : undefined;
  },

  async exec(ctx: OpContext, inputs: readonly Result[]): Promise<Result[]> {
    const op = ctx.op.op;
    if (op.kind !== 'exec') throw new Error('execImpl on a non-exec op');
    checkEntitlements(op, ctx.worker.allow, ctx.meta.location);
    const rootMount = op.mounts.find((m) => m.dest === '/');
    if (!rootMount) throw new Error('exec op without a rootfs mount');
    const base = rootMount.input < 0 ? SCRATCH : expectSnapshot(inputs[rootMount.input]!, 'exec rootfs');
    const secretEnv = await secretEnvVars(ctx.worker.secrets, op.secretEnv ?? []);
    const out = await withExecMounts(ctx, op, inputs, (mounts) => withNewLayer(ctx, base, async (rootfs) => {
      const bundleDir = await mkdtemp(path.join(ctx.worker.runDir, 'bundle-'));
      const { exitCode } = await runContainer({
        id: `buildctl-${randomBytes(8).toString('hex')}`,
        rootfs,
        process: { args: [...op.meta.args], env: [...op.meta.env, ...secretEnv], cwd: op.meta.cwd, user: op.meta.user },
        mounts,
        // BuildKit's default network without CNI is the host's (RUNTIME-FACTS.md: Network).
        network: op.network === 'none' ? 'none' : 'host',
        ...(op.meta.hostname !== undefined ? { hostname: op.meta.hostname } : {}),
        rootless: ctx.worker.rootless,
        noProcessSandbox: ctx.worker.noProcessSandbox,
        privileged: op.security === 'insecure',
        bundleDir,
        runcRoot: ctx.worker.runcRoot,
        onOutput: (stream, chunk) => ctx.progress.log(stream, chunk),
        signal: ctx.signal,
      });
      if (exitCode !== 0) {
        throw new ExecError(`process "${shownArgs(op.meta.args)}" did not complete successfully: exit code: ${exitCode}`, exitCode,
          ctx.meta.location ? { location: ctx.meta.location } : {});
      }
    }, { pruneCopyUp: true }));
    return [out];
  },
};

/** The command as BuildKit's error shows it (args joined by spaces, newlines of heredoc scripts as \n: one line). */
function shownArgs(args: readonly string[]): string {
  return args.join(' ').replace(/\n/g, '\\n').replace(/\t/g, '\\t');
}
