/**
 * The mounts of one RUN besides its rootfs, made ready on the host and undone afterwards (BuildKit's
 * solver/llbsolver/mounts), as runtime mounts for runc:
 * - bind from a snapshot (a stage or an image): a merged view of its layers; read-only, or writable over a
 *   throw-away upper dir (`rw`: changes are discarded);
 * - bind from the context: the host dir read in place when read-only and nothing is .dockerignored, else a
 *   filtered copy (also the throw-away copy for `rw`);
 * - cache: a persistent dir of the state dir (src/cache/cache-mounts.ts), seeded from `from`/`source` if given
 *   (or from an imported cache: src/cache/mounts-transfer/);
 * - tmpfs: a tmpfs of `size` (default: the kernel's, half of RAM);
 * - secret and ssh: exec-secrets.ts and exec-ssh.ts.
 * Mount order is kept: a later mount may sit inside an earlier one.
 */
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { cacheMountIdentityOf } from '../../cache/cache-mounts.js';
import { cacheMountsOf } from '../../cache/mounts-transfer/worker-mounts.js';
import type { ExecMount as LlbMount, ExecOp } from '../../llb/ops.js';
import { ContextFilter, copy } from '../../fileop/index.js';
import type { ExecMount } from '../../runtime/index.js';
import { resolveInRoot } from '../../snapshot/index.js';
import type { OpContext } from '../op-impl.js';
import { expectSnapshot, type LocalResult, type Result, type SnapshotResult } from '../result.js';
import type { Worker } from '../worker.js';
import { secretFiles } from './exec-secrets.js';
import { sshForwards } from './exec-ssh.js';

/** The cache mount store of a worker's state dir (which also knows the build's imported cache mounts). */
export { cacheMountsOf };

export async function withExecMounts<T>(ctx: OpContext, op: ExecOp, inputs: readonly Result[], fn: (mounts: ExecMount[]) => Promise<T>): Promise<T> {
  const others = op.mounts.filter((m) => m.dest !== '/');
  const { worker } = ctx;
  const runDir = path.join(worker.runDir, 'exec');
  const secrets = await secretFiles(worker.secrets ?? [], others, runDir);
  try {
    const ssh = await sshForwards(worker.ssh ?? [], others, runDir);
    try {
      const bySlot = new Map<LlbMount, ExecMount>();
      assignInOrder(others, 'secret', secrets.mounts, bySlot);
      assignInOrder(others, 'ssh', ssh.mounts, bySlot);
      return await prepare(ctx, others, 0, inputs, bySlot, [], fn);
    } finally {
      await ssh.cleanup();
    }
  } finally {
    await secrets.cleanup();
  }
}

/** Secret/ssh runtime mounts (missing optional ones skipped) matched back to their LLB mounts by destination. */
function assignInOrder(all: readonly LlbMount[], type: 'secret' | 'ssh', made: readonly ExecMount[], into: Map<LlbMount, ExecMount>): void {
  for (const rt of made) {
    const m = all.find((x) => x.type === type && x.dest === rt.destination && !into.has(x));
    if (m) into.set(m, rt);
  }
}

/** Set up mount k (and, inside it, the rest), run fn with all of them, undo in reverse order. */
async function prepare<T>(
  ctx: OpContext, mounts: readonly LlbMount[], k: number, inputs: readonly Result[], ready: Map<LlbMount, ExecMount>,
  acc: ExecMount[], fn: (mounts: ExecMount[]) => Promise<T>,
): Promise<T> {
  const m = mounts[k];
  if (!m) return fn(acc);
  const next = (rt: ExecMount | undefined): Promise<T> => prepare(ctx, mounts, k + 1, inputs, ready, rt ? [...acc, rt] : acc, fn);
  switch (m.type) {
    case 'secret':
    case 'ssh':
      return next(ready.get(m));
    case 'tmpfs':
      return next({ type: 'tmpfs', destination: m.dest, readonly: m.readonly, options: m.tmpfsSize !== undefined ? [`size=${m.tmpfsSize}`] : [] });
    case 'cache':
      return withCache(ctx, m, inputs, (dir) => next({ type: 'bind', source: dir, destination: m.dest, readonly: m.readonly }));
    case 'bind': {
      const src = m.input < 0 ? undefined : inputs[m.input];
      if (src?.kind === 'local') return withLocalBind(ctx, m, src, (dir) => next({ type: 'bind', source: dir, destination: m.dest, readonly: m.readonly }));
      const snap = src ? expectSnapshot(src, 'bind mount') : { kind: 'snapshot' as const, layers: [] };
      return withSnapshotView(ctx, snap, !m.readonly, async (root) =>
        next({ type: 'bind', source: await resolveInRoot(root, m.selector ?? '/'), destination: m.dest, readonly: m.readonly }));
    }
  }
}

/** A merged view of a snapshot; writable ones write into a throw-away upper. */
async function withSnapshotView<T>(ctx: OpContext, snap: SnapshotResult, writable: boolean, fn: (root: string) => Promise<T>): Promise<T> {
  const lowers = snap.layers.map((l) => l.dir);
  if (!writable) return ctx.worker.mounts.withMerged({ lowers, readonly: true }, fn);
  const tmp = await scratchDir(ctx.worker);
  try {
    await Promise.all([mkdir(path.join(tmp, 'upper')), mkdir(path.join(tmp, 'work'))]);
    return await ctx.worker.mounts.withMerged({ lowers, upper: path.join(tmp, 'upper'), work: path.join(tmp, 'work') }, fn);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

async function withLocalBind<T>(ctx: OpContext, m: LlbMount, src: LocalResult, fn: (dir: string) => Promise<T>): Promise<T> {
  const selector = m.selector ?? '/';
  if (m.readonly && src.excludePatterns.length === 0) return fn(await resolveInRoot(src.dir, selector));
  const tmp = await scratchDir(ctx.worker);
  try {
    const dest = path.join(tmp, 'data');
    await mkdir(dest);
    await copy({
      srcRoot: src.dir, destRoot: dest,
      action: { src: selector, dest: '/', followSymlinks: true, dirCopyContents: true, createDestPath: true, allowWildcard: false, allowEmptyWildcard: false },
      ...(src.excludePatterns.length > 0 ? { contextFilter: new ContextFilter(src.dir, [...src.excludePatterns]) } : {}),
    });
    // A file selector lands inside dest under its own name; a directory's contents make up dest.
    const isDir = (await stat(await resolveInRoot(src.dir, selector))).isDirectory();
    return await fn(isDir ? dest : path.join(dest, path.posix.basename(selector)));
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

async function withCache<T>(ctx: OpContext, m: LlbMount, inputs: readonly Result[], fn: (dir: string) => Promise<T>): Promise<T> {
  const from = m.input < 0 ? undefined : expectSnapshot(inputs[m.input]!, 'cache mount from');
  const selector = m.selector ?? '/';
  const seed = from && {
    key: [from.layers.map((l) => l.id), selector],
    fill: (dir: string) => ctx.worker.mounts.withMerged({ lowers: from.layers.map((l) => l.dir), readonly: true }, async (root) => {
      const srcDir = await resolveInRoot(root, selector);
      await execa('cp', ['-a', '--', `${srcDir}/.`, `${dir}/`]);
    }),
  };
  const lease = await cacheMountsOf(ctx.worker).acquire({
    ...cacheMountIdentityOf(m), sharing: m.cacheSharing ?? 'shared', signal: ctx.signal, ...(seed ? { seed } : {}),
  });
  try {
    return await fn(lease.dir);
  } finally {
    await lease.release();
  }
}

/** A fresh dir on the state dir's filesystem (never on overlayfs; layer dirs' neighbour), removed by the caller. */
async function scratchDir(worker: Worker): Promise<string> {
  await mkdir(worker.state.tmp, { recursive: true });
  return mkdtemp(path.join(worker.state.tmp, 'mount-'));
}
