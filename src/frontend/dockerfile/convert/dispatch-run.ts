/** RUN -> an exec op on the stage's rootfs, with the env and history BuildKit gives it. */
import { DockerfileError } from '../../../errors.js';
import type { Op } from '../../../llb/ops.js';
import type { RunCmd } from '../instructions/types.js';
import { PROXY_ARGS } from './build-args.js';
import { containerConfig, getEnv, goStringSlice } from './image-state.js';
import { addOp, inputsOf, shellOf, type AddHistory } from './op-helpers.js';
import type { ConvertContext, StageState } from './stage-state.js';

export function dispatchRun(ctx: ConvertContext, st: StageState, cmd: RunCmd, history: AddHistory): void {
  const cfg = containerConfig(st.image);
  if (cmd.heredocs.length > 0) throw new DockerfileError('RUN with a heredoc is not supported yet', { location: cmd.location });
  if (cmd.mounts.length > 0) throw new DockerfileError('RUN --mount is not supported yet', { location: cmd.location });
  const network = cmd.network ?? 'default';
  if (!['default', 'none', 'host'].includes(network)) throw new DockerfileError(`unsupported network mode "${network}"`, { location: cmd.location });
  const security = cmd.security ?? 'sandbox';
  if (!['sandbox', 'insecure'].includes(security)) throw new DockerfileError(`unsupported security mode "${security}"`, { location: cmd.location });
  const args = cmd.prependShell ? [...shellOf(cfg), cmd.args.join(' ')] : [...cmd.args];
  const env = cfg.Env ?? [];
  // ARG values reach RUN as env vars; ENV wins over an ARG of the same name.
  const argEnv = st.args.entries().filter(([k]) => getEnv(env, k) === undefined);
  const runEnv = [...env, ...argEnv.map(([k, v]) => `${k}=${v}`)];
  const op: Op = {
    inputs: inputsOf(st),
    op: {
      kind: 'exec',
      meta: { args, env: runEnv, cwd: cfg.WorkingDir || '/', user: cfg.User ?? '' },
      mounts: [{ input: st.output ? 0 : -1, dest: '/', output: 0, readonly: false, type: 'bind' }],
      network: network as 'default' | 'none' | 'host',
      security: security as 'sandbox' | 'insecure',
    },
  };
  const shown = cmd.prependShell ? cmd.args.join(' ') : goStringSlice(cmd.args).replace(/" "/g, '", "');
  addOp(ctx, st, op, cmd.location, `RUN ${shown}`);
  const historyArgs = argEnv.filter(([k]) => !PROXY_ARGS.includes(k));
  const prefix = historyArgs.length > 0 ? `|${historyArgs.length} ${historyArgs.map(([k, v]) => `${k}=${v}`).join(' ')} ` : '';
  history(`RUN ${prefix}${args.join(' ')}`, true);
}

