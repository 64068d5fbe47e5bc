/**
 * RUN -> an exec op on the stage's rootfs, with the env, mounts, network/security modes and history BuildKit
 * gives it (dockerfile2llb/convert.go dispatchRun). Heredocs: run-heredoc.ts; --mount: run-mount-parse.ts and
 * run-mounts.ts.
 */
import { DockerfileError } from '../../../errors.js';
import type { ExecMount, Op } from '../../../llb/ops.js';
import { ShellExpansionError } from '../shell/index.js';
import type { RunCmd } from '../instructions/types.js';
import { expansionEnv, PROXY_ARGS } from './build-args.js';
import { containerConfig, getEnv, goStringSlice } from './image-state.js';
import { addOp, inputsOf, shellOf, type AddHistory } from './op-helpers.js';
import { runHeredoc } from './run-heredoc.js';
import { parseRunMount, RunMountError, type RunMount } from './run-mount-parse.js';
import { convertRunMounts } from './run-mounts.js';
import type { ConvertContext, StageState } from './stage-state.js';

const NETWORK_MODES = ['default', 'none', 'host'] as const;
const SECURITY_MODES = ['sandbox', 'insecure'] as const;

export async function dispatchRun(ctx: ConvertContext, st: StageState, cmd: RunCmd, history: AddHistory): Promise<void> {
  const cfg = containerConfig(st.image);
  const location = cmd.location;
  const network = cmd.network ?? 'default';
  if (!(NETWORK_MODES as readonly string[]).includes(network)) throw new DockerfileError(`unsupported network mode "${network}"`, { location });
  const security = cmd.security ?? 'sandbox';
  if (!(SECURITY_MODES as readonly string[]).includes(security)) throw new DockerfileError(`unsupported security mode "${security}"`, { location });

  const env = cfg.Env ?? [];
  const expand = (word: string): string => {
    try {
      return st.lex.processWord(word, expansionEnv(st.args, env));
    } catch (e) {
      if (e instanceof ShellExpansionError) throw new DockerfileError(e.message, { location });
      throw e;
    }
  };
  const parsed: RunMount[] = cmd.mounts.map((m) => {
    try {
      return parseRunMount(m, expand);
    } catch (e) {
      if (e instanceof RunMountError) throw new DockerfileError(e.message, { location });
      throw e;
    }
  });

  const inputs = inputsOf(st);
  const extraMounts: ExecMount[] = [];
  let command = cmd.args;
  let summary = '';
  if (cmd.heredocs.length > 0) {
    const h = runHeredoc({ ctx, args: cmd.args, prependShell: cmd.prependShell, heredocs: cmd.heredocs, inputs, location });
    command = [h.command];
    summary = h.summary;
    if (h.mount) extraMounts.push(h.mount);
  }
  const mounts = await convertRunMounts(parsed, { ctx, inputs, workdir: cfg.WorkingDir || '/', location });

  const args = cmd.prependShell ? [...shellOf(cfg), command.join(' ')] : [...command];
  // ARG values reach RUN as env vars; ENV wins over an ARG of the same name.
  const argEnv = st.args.entries().filter(([k]) => getEnv(env, k) === undefined);
  const runEnv = [...env, ...argEnv.map(([k, v]) => `${k}=${v}`)];
  for (const [k, v] of mounts.env) if (getEnv(runEnv, k) === undefined) runEnv.push(`${k}=${v}`);

  const op: Op = {
    inputs,
    op: {
      kind: 'exec',
      meta: { args, env: runEnv, cwd: cfg.WorkingDir || '/', user: cfg.User ?? '' },
      mounts: [{ input: st.output ? 0 : -1, dest: '/', output: 0, readonly: false, type: 'bind' }, ...extraMounts, ...mounts.mounts],
      network: network as 'default' | 'none' | 'host',
      security: security as 'sandbox' | 'insecure',
      ...(mounts.secretEnv.length > 0 ? { secretEnv: mounts.secretEnv } : {}),
    },
  };
  const flags = [
    ...cmd.mounts.map((m) => `--mount=${m}`),
    ...(cmd.network !== undefined ? [`--network=${cmd.network}`] : []),
    ...(cmd.security !== undefined ? [`--security=${cmd.security}`] : []),
  ].map((f) => `${f} `).join('');
  const shown = cmd.prependShell ? cmd.args.join(' ') : goStringSlice(cmd.args).replace(/" "/g, '", "');
  addOp(ctx, st, op, location, `RUN ${flags}${shown}${summary}`);
  const historyArgs = argEnv.filter(([k]) => !PROXY_ARGS.includes(k));
  const prefix = historyArgs.length > 0 ? `|${historyArgs.length} ${historyArgs.map(([k, v]) => `${k}=${v}`).join(' ')} ` : '';
  history(`RUN ${prefix}${args.join(' ')}`, true);
}
