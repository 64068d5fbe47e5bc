/** COPY and ADD -> a file op copying from the context, a stage or an image into the stage's rootfs. */
import path from 'node:path';
import { DockerfileError } from '../../../errors.js';
import type { CopyCmd } from '../instructions/types.js';
import { containerConfig } from './image-state.js';
import { addOp, inputsOf, type AddHistory } from './op-helpers.js';
import type { ConvertContext, StageState } from './stage-state.js';

export async function dispatchCopy(ctx: ConvertContext, st: StageState, cmd: CopyCmd, expand: (w: string) => string, history: AddHistory): Promise<void> {
  const cfg = containerConfig(st.image);
  for (const f of ['link', 'parents'] as const) if (cmd[f]) throw new DockerfileError(`${cmd.kind.toUpperCase()} --${f} is not supported yet`, { location: cmd.location });
  if (cmd.excludes.length > 0 || cmd.heredocs.length > 0 || cmd.checksum !== undefined) {
    throw new DockerfileError(`${cmd.kind.toUpperCase()} with --exclude, --checksum or a heredoc is not supported yet`, { location: cmd.location });
  }
  const sources = cmd.sources.map(expand);
  for (const s of sources) {
    if (cmd.kind === 'add' && /^[a-z][a-z0-9+.-]*:\/\//i.test(s)) throw new DockerfileError('ADD from a URL is not supported yet', { location: cmd.location });
  }
  const rawDest = expand(cmd.dest);
  let dest = path.posix.resolve(cfg.WorkingDir || '/', rawDest);
  if (rawDest === '.' || rawDest === '' || rawDest.endsWith('/') || sources.length > 1) dest += dest.endsWith('/') ? '' : '/';

  let source;
  let fromDesc = '';
  if (cmd.from !== undefined) {
    const from = expand(cmd.from);
    const stage = await ctx.stageOutput(from, Number.POSITIVE_INFINITY);
    if (stage) {
      source = stage.output;
    } else {
      try {
        const img = await ctx.image(from);
        source = ctx.imageOp(img.pinned, `FROM ${img.pinned}`, cmd.location);
      } catch (e) {
        throw e instanceof DockerfileError ? e : new DockerfileError(`COPY --from=${from}: ${(e as Error).message}`, { location: cmd.location });
      }
    }
    fromDesc = `--from=${from} `;
  } else {
    source = ctx.context();
  }
  const chown = cmd.chown !== undefined ? expand(cmd.chown) : undefined;
  const mode = cmd.chmod !== undefined ? parseChmod(expand(cmd.chmod), cmd) : undefined;
  const inputs = inputsOf(st);
  const base = st.output ? 0 : -1;
  const srcIndex = source ? inputs.length : -1;
  if (source) inputs.push(source);
  const actions = sources.map((src, k) => ({
    input: k === 0 ? base : inputs.length + k - 1,
    secondaryInput: srcIndex,
    output: k === sources.length - 1 ? 0 : -1,
    action: {
      type: 'copy' as const, src: path.posix.join('/', src), dest, followSymlinks: true, dirCopyContents: true, createDestPath: true,
      allowWildcard: true, allowEmptyWildcard: true, ...(chown !== undefined ? { chown } : {}), ...(mode !== undefined ? { mode } : {}),
    },
  }));
  const name = cmd.kind.toUpperCase();
  addOp(ctx, st, { inputs, op: { kind: 'file', actions } }, cmd.location, `${name} ${fromDesc}${sources.join(' ')} ${rawDest}`);
  history(`${name} ${fromDesc}${sources.join(' ')} ${rawDest}`, true);
}

function parseChmod(s: string, cmd: CopyCmd): number {
  if (!/^[0-7]{3,4}$/.test(s)) throw new DockerfileError(`invalid chmod parameter: ${s} (symbolic modes are not supported yet)`, { location: cmd.location });
  return parseInt(s, 8);
}

