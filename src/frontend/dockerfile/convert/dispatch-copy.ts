/**
 * COPY and ADD -> one file op whose copy actions read from the context, a stage, an image, heredoc bodies or
 * (ADD) remote sources, into the stage's rootfs (BuildKit dockerfile2llb/convert_copy.go). With `--link` (and no
 * --chmod, as in BuildKit) the copy is made on scratch and merged onto the stage, so its vertex and cache key do
 * not depend on the base. Flag checks: copy-flags.ts; what a source is: copy-sources.ts, copy-heredoc.ts,
 * copy-remote.ts.
 */
import path from 'node:path';
import { DockerfileError } from '../../../errors.js';
import type { FileAction, FileCopy, OpInput } from '../../../llb/ops.js';
import type { CopyCmd } from '../instructions/types.js';
import { expansionEnv } from './build-args.js';
import { checkChecksumFlag, checkLinkChown, parseChmodFlag } from './copy-flags.js';
import { heredocBody, heredocInput, isHeredocWord } from './copy-heredoc.js';
import { addRemoteSource } from './copy-remote.js';
import { isGitSource, isHttpSource, localSource } from './copy-sources.js';
import { containerConfig } from './image-state.js';
import { addOp, type AddHistory } from './op-helpers.js';
import type { ConvertContext, StageState } from './stage-state.js';

/** One copy action before its inputs are numbered. */
interface PlannedCopy { from: OpInput | undefined; action: Omit<FileCopy, 'type' | 'dest'> }

export async function dispatchCopy(ctx: ConvertContext, st: StageState, cmd: CopyCmd, expand: (w: string) => string, history: AddHistory): Promise<void> {
  const name = cmd.kind.toUpperCase();
  const location = cmd.location;
  const cfg = containerConfig(st.image);
  const rawDest = expand(cmd.dest);
  if (isHeredocWord(cmd.dest)) throw new DockerfileError(`${name} cannot accept a heredoc as a destination`, { location });
  const chown = cmd.chown !== undefined ? expand(cmd.chown) : undefined;
  const chmodText = cmd.chmod !== undefined ? expand(cmd.chmod) : undefined;
  const chmod = chmodText !== undefined && chmodText !== '' ? parseChmodFlag(chmodText, location) : {};
  const excludes = cmd.excludes.map(expand);
  const link = cmd.link && chmodText === undefined;
  if (link && chown !== undefined && chown !== '') checkLinkChown(chown, location);

  // Sources in order; heredoc words take the parsed bodies in order.
  const heredocs = [...cmd.heredocs];
  const words: { kind: 'path'; src: string }[] = [];
  const docs: { name: string; data: string }[] = [];
  const env = expansionEnv(st.args, cfg.Env ?? []);
  for (const raw of cmd.sources) {
    const doc = isHeredocWord(raw) ? heredocs.shift() : undefined;
    if (doc) docs.push({ name: doc.name, data: heredocBody(doc, env, '\\') });
    else words.push({ kind: 'path', src: expand(raw) });
  }
  const sources = words.map((w) => w.src);
  if (cmd.checksum !== undefined) {
    checkChecksumFlag({ checksum: expand(cmd.checksum), sources, isRemote: (s) => isHttpSource(s) || isGitSource(s), location });
  }

  const common = {
    ...(chown !== undefined && chown !== '' ? { chown } : {}), ...chmod,
    ...(excludes.length > 0 ? { excludePatterns: excludes } : {}),
  };
  let sourceState: OpInput | undefined;
  const sourceOf = async (): Promise<OpInput | undefined> => (sourceState ??= await copySourceState(ctx, cmd, expand));
  const planned: PlannedCopy[] = [];
  for (const src of sources) {
    if (cmd.kind === 'copy' && isGitSource(src)) throw new DockerfileError('source can\'t be a git ref for COPY', { location });
    if (cmd.kind === 'copy' && isHttpSource(src)) throw new DockerfileError('source can\'t be a URL for COPY', { location });
    const remote = cmd.kind === 'add'
      ? addRemoteSource(ctx, src, { ...(cmd.checksum !== undefined ? { checksum: expand(cmd.checksum) } : {}), keepGitDir: cmd.keepGitDir, location })
      : undefined;
    if (remote) {
      planned.push({ from: remote.input, action: { src: remote.path, followSymlinks: false, dirCopyContents: remote.kind === 'git', createDestPath: true, allowWildcard: false, allowEmptyWildcard: false, ...common } });
      continue;
    }
    const local = localSource(src, cmd.parents);
    planned.push({ from: await sourceOf(), action: {
      src: local.src, followSymlinks: true, dirCopyContents: true, createDestPath: true, allowWildcard: true, allowEmptyWildcard: true,
      ...(local.includePatterns ? { includePatterns: local.includePatterns } : {}),
      ...(local.requiredPaths ? { requiredPaths: local.requiredPaths } : {}),
      ...(cmd.kind === 'add' ? { attemptUnpack: true } : {}), ...common,
    } });
  }
  for (const d of docs) {
    planned.push({ from: heredocInput(ctx, { name: d.name, data: d.data, location }), action: {
      src: `/${d.name}`, followSymlinks: false, dirCopyContents: false, createDestPath: true, allowWildcard: false, allowEmptyWildcard: false, ...common,
    } });
  }

  const dest = destPath(cfg.WorkingDir, rawDest);
  const text = describe(cmd, expand);
  const createdBy = [name, ...(cmd.parents ? ['--parents'] : []), ...(chown ? [`--chown=${chown}`] : []), ...(chmodText ? [`--chmod=${chmodText}`] : []),
    ...sources, ...docs.map((d) => `<<${d.name}`), rawDest].join(' ');
  if (link && st.output) {
    // The copy on scratch, shown with the same step number as the merge (BuildKit's progress group).
    const copyOp = fileOp(undefined, planned, dest);
    const digest = ctx.graph.add(copyOp, { description: `[${st.prefix}${st.step + 1}/${st.total}] ${text}`, ...(location ? { location } : {}) });
    addOp(ctx, st, { inputs: [st.output, { digest, index: 0 }], op: { kind: 'merge' } }, location, `LINK ${text}`);
  } else {
    addOp(ctx, st, fileOp(st.output, planned, dest), location, text);
  }
  history(createdBy, true);
}

/** The file op: actions chained on `base` (undefined = scratch), each reading its own input. */
function fileOp(base: OpInput | undefined, planned: readonly PlannedCopy[], dest: string): { inputs: OpInput[]; op: { kind: 'file'; actions: FileAction[] } } {
  const inputs: OpInput[] = base ? [base] : [];
  const indexOf = (i: OpInput | undefined): number => {
    if (i === undefined) return -1;
    const k = inputs.findIndex((x) => x.digest === i.digest && x.index === i.index);
    return k >= 0 ? k : inputs.push(i) - 1;
  };
  const secondary = planned.map((p) => indexOf(p.from));
  const actions = planned.map((p, k): FileAction => ({
    input: k === 0 ? (base ? 0 : -1) : inputs.length + k - 1,
    secondaryInput: secondary[k]!,
    output: k === planned.length - 1 ? 0 : -1,
    action: { type: 'copy', ...p.action, dest },
  }));
  return { inputs, op: { kind: 'file', actions } };
}

/** BuildKit's pathRelativeToWorkingDir with the trailing slash kept ("into this directory"); "." and "" mean "./". */
export function destPath(workingDir: string | undefined, rawDest: string): string {
  const p = rawDest === '' || rawDest === '.' ? './' : rawDest;
  const dest = path.posix.resolve(workingDir || '/', p);
  return (p.endsWith('/') || p.endsWith('/.')) && dest !== '/' ? dest + '/' : dest;
}

/** The source state of local paths: --from (stage name or index, image) or the build context. */
async function copySourceState(ctx: ConvertContext, cmd: CopyCmd, expand: (w: string) => string): Promise<OpInput | undefined> {
  if (cmd.from === undefined) return ctx.context();
  const from = expand(cmd.from);
  const stage = await ctx.stageOutput(from, Number.POSITIVE_INFINITY);
  if (stage) return stage.output;
  try {
    const img = await ctx.image(from);
    return ctx.imageOp(img.pinned, `FROM ${img.pinned}`, cmd.location);
  } catch (e) {
    throw e instanceof DockerfileError ? e : new DockerfileError(`COPY --from=${from}: ${(e as Error).message}`, { location: cmd.location });
  }
}

/** The vertex name: the instruction as written, variables expanded (BuildKit's processCmdEnv on cmd.String()). */
function describe(cmd: CopyCmd, expand: (w: string) => string): string {
  const text = cmd.original.replace(/^\s*\S+/, (kw) => kw.toUpperCase());
  try { return expand(text); } catch { return text; }
}
