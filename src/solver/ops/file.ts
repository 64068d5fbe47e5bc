/**
 * FileOp: a chain of copy/mkdir/mkfile/rm actions applied to one snapshot, producing one new layer.
 * Copies from a --local source read the host dir in place and are keyed by the content of the paths they
 * read (mtime excluded), never by the whole context.
 */
import { Buffer } from 'node:buffer';
import type { Canonical } from '../../llb/canonical.js';
import type { FileAction, FileCopy } from '../../llb/ops.js';
import { withLocation } from '../../errors.js';
import { checksumPaths, ContextFilter, copy, mkdir, mkfile, rm } from '../../fileop/index.js';
import type { OpContext, OpImpl } from '../op-impl.js';
import { SCRATCH, expectSnapshot, type LocalResult, type Result } from '../result.js';
import { withNewLayer } from './new-layer.js';
import { resolveChown } from './chown.js';

export const fileImpl: OpImpl = {
  cacheable: true,

  async contentKey(ctx, local): Promise<Canonical | undefined> {
    const op = ctx.op.op;
    if (op.kind !== 'file') return undefined;
    const parts: Canonical[] = [];
    for (const a of op.actions) {
      if (a.action.type !== 'copy') continue;
      const src = local(a.secondaryInput);
      if (!src) continue;
      const c = a.action;
      const digest = await checksumPaths({
        root: src.dir,
        paths: [c.src],
        followSymlinks: c.followSymlinks,
        ...(c.includePatterns ? { includePatterns: [...c.includePatterns] } : {}),
        ...(c.excludePatterns ? { excludePatterns: [...c.excludePatterns] } : {}),
        ...contextFilter(src),
        memo: await ctx.worker.checksumMemo(),
      }).catch((e: unknown) => { throw withLocation(e, ctx.meta.location); });
      parts.push([a.secondaryInput, c.src, digest]);
    }
    return parts.length > 0 ? parts : undefined;
  },

  async exec(ctx: OpContext, inputs: readonly Result[]): Promise<Result[]> {
    const op = ctx.op.op;
    if (op.kind !== 'file') throw new Error('fileImpl on a non-file op');
    const first = op.actions[0];
    if (!first) throw new Error('file op without actions');
    const base = first.input < 0 ? SCRATCH : expectSnapshot(inputs[first.input]!, 'file op base');
    const out = await withNewLayer(ctx, base, async (root) => {
      for (const [k, a] of op.actions.entries()) {
        const expected = k === 0 ? first.input : inputs.length + k - 1;
        if (a.input !== expected) throw new Error('file op: only linear action chains are supported');
        try {
          await applyAction(ctx, root, a, inputs);
        } catch (e) {
          throw withLocation(e, ctx.meta.location);
        }
      }
    });
    return [out];
  },
};

async function applyAction(ctx: OpContext, root: string, a: FileAction, inputs: readonly Result[]): Promise<void> {
  const act = a.action;
  switch (act.type) {
    case 'mkdir':
      return mkdir({ root, path: act.path, mode: act.mode, makeParents: act.makeParents, ...opt('chown', await resolveChown(root, act.chown)), ...opt('timestamp', act.timestamp) });
    case 'mkfile':
      return mkfile({ root, path: act.path, mode: act.mode, data: Buffer.from(act.data, 'base64'), ...opt('chown', await resolveChown(root, act.chown)), ...opt('timestamp', act.timestamp) });
    case 'rm':
      return rm({ root, path: act.path, allowNotFound: act.allowNotFound, allowWildcard: act.allowWildcard });
    case 'copy':
      return copyFrom(ctx, root, act, a.secondaryInput < 0 ? SCRATCH : inputs[a.secondaryInput]);
    default:
      throw new Error('unknown file action');
  }
}

async function copyFrom(ctx: OpContext, destRoot: string, c: FileCopy, src: Result | undefined): Promise<void> {
  if (!src) throw new Error('file op: copy from an action output is not supported');
  const action = {
    src: c.src, dest: c.dest, followSymlinks: c.followSymlinks, dirCopyContents: c.dirCopyContents,
    createDestPath: c.createDestPath, allowWildcard: c.allowWildcard, allowEmptyWildcard: c.allowEmptyWildcard,
    ...opt('chown', await resolveChown(destRoot, c.chown)), ...opt('mode', c.mode), ...opt('modeStr', c.modeStr),
    ...opt('timestamp', c.timestamp), ...opt('attemptUnpack', c.attemptUnpack),
    ...(c.requiredPaths ? { requiredPaths: [...c.requiredPaths] } : {}),
    ...(c.includePatterns ? { includePatterns: [...c.includePatterns] } : {}),
    ...(c.excludePatterns ? { excludePatterns: [...c.excludePatterns] } : {}),
  };
  if (src.kind === 'local') {
    return copy({ srcRoot: src.dir, destRoot, action, defaultOwner: { uid: 0, gid: 0 }, ...contextFilter(src) });
  }
  await ctx.worker.mounts.withMerged({ lowers: src.layers.map((l) => l.dir), readonly: true }, (srcRoot) =>
    copy({ srcRoot, destRoot, action }));
}

/**
 * The .dockerignore filter of a local source. `ignoreFile`/`excludeLines` (the ignore file's name and each
 * pattern's line) are optional extras a local source may carry so "not found" can name the line that hid a path.
 */
function contextFilter(src: LocalResult): { contextFilter?: ContextFilter } {
  if (src.excludePatterns.length === 0) return {};
  return { contextFilter: new ContextFilter(src.dir, src.excludePatterns, { file: src.ignoreFile, lines: src.excludeLines }) };
}

function opt<K extends string, V>(key: K, v: V | undefined): { [P in K]?: V } {
  return (v === undefined ? {} : { [key]: v }) as { [P in K]?: V };
}
