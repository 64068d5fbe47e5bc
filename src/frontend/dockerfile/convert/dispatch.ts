/**
 * One instruction -> LLB ops and image config changes. This is the only place that knows what each
 * Dockerfile instruction means.
 */
import path from 'node:path';
import { DockerfileError } from '../../../errors.js';
import type { Op, OpMetadata } from '../../../llb/ops.js';
import { ShellExpansionError } from '../shell/index.js';
import type { CopyCmd, RunCmd, StageCommand } from '../instructions/types.js';
import { PROXY_ARGS, expansionEnv } from './build-args.js';
import { addHistory, containerConfig, getEnv, goStringSlice, setEnv } from './image-state.js';
import type { ConvertContext, StageState } from './stage-state.js';

export async function dispatch(ctx: ConvertContext, st: StageState, cmd: StageCommand): Promise<void> {
  const cfg = containerConfig(st.image);
  const expand = (word: string): string => {
    try {
      return st.lex.processWord(word, expansionEnv(st.args, cfg.Env ?? []));
    } catch (e) {
      if (e instanceof ShellExpansionError) throw new DockerfileError(e.message, { location: cmd.location });
      throw e;
    }
  };
  const history = (createdBy: string, withLayer: boolean): void =>
    addHistory(st.image, { createdBy, withLayer, ...(ctx.created !== undefined ? { created: ctx.created } : {}) });

  switch (cmd.kind) {
    case 'env': {
      let env = cfg.Env ?? [];
      const parts: string[] = [];
      for (const { key, value } of cmd.pairs) {
        const k = expand(key);
        const v = expand(value);
        env = setEnv(env, k, v);
        parts.push(`${k}=${v}`);
      }
      cfg.Env = env;
      return history(`ENV ${parts.join(' ')}`, false);
    }
    case 'arg': {
      const parts: string[] = [];
      for (const a of cmd.args) {
        const value = a.value === undefined ? undefined : expand(a.value);
        st.args.declare(a.key, value, ctx.globalArg(a.key));
        parts.push(value === undefined ? a.key : `${a.key}=${value}`);
      }
      return history(`ARG ${parts.join(' ')}`, false);
    }
    case 'label': {
      const labels = { ...(cfg.Labels ?? {}) };
      const parts: string[] = [];
      for (const { key, value } of cmd.pairs) {
        const k = expand(key);
        const v = expand(value);
        labels[k] = v;
        parts.push(`${k}=${v}`);
      }
      cfg.Labels = labels;
      return history(`LABEL ${parts.join(' ')}`, false);
    }
    case 'maintainer':
      st.image.author = expand(cmd.maintainer);
      return history(`MAINTAINER ${st.image.author}`, false);
    case 'user':
      cfg.User = expand(cmd.user);
      return history(`USER ${cfg.User}`, false);
    case 'stopsignal':
      cfg.StopSignal = expand(cmd.signal);
      return history(`STOPSIGNAL ${cfg.StopSignal}`, false);
    case 'shell':
      cfg.Shell = [...cmd.shell];
      return history(`SHELL ${goStringSlice(cmd.shell)}`, false);
    case 'expose': {
      const ports = { ...(cfg.ExposedPorts ?? {}) };
      for (const raw of cmd.ports) for (const p of expandPorts(expand(raw), cmd)) ports[p] = {};
      cfg.ExposedPorts = ports;
      return history(`EXPOSE map[${Object.keys(ports).sort().map((p) => `${p}:{}`).join(' ')}]`, false);
    }
    case 'volume': {
      const vols = { ...(cfg.Volumes ?? {}) };
      for (const v of cmd.volumes) {
        const e = expand(v);
        if (e.trim() === '') throw new DockerfileError('VOLUME specified can not be an empty string', { location: cmd.location });
        vols[e] = {};
      }
      cfg.Volumes = vols;
      return history(`VOLUME ${goStringSlice(cmd.volumes.map(expand))}`, false);
    }
    case 'cmd':
    case 'entrypoint': {
      const args = cmd.prependShell ? [...shellOf(cfg), cmd.args.join(' ')] : [...cmd.args];
      if (cmd.kind === 'cmd') {
        cfg.Cmd = args;
        st.cmdSet = true;
      } else {
        cfg.Entrypoint = args;
        // ENTRYPOINT resets a CMD inherited from the base image (Docker semantics).
        if (!st.cmdSet) cfg.Cmd = null;
      }
      return history(`${cmd.kind.toUpperCase()} ${goStringSlice(args)}`, false);
    }
    case 'healthcheck':
      cfg.Healthcheck = { Test: [...cmd.test] };
      return history(`HEALTHCHECK ${cmd.test[0] === 'NONE' ? 'NONE' : goStringSlice(cmd.test)}`, false);
    case 'onbuild':
      cfg.OnBuild = [...(cfg.OnBuild ?? []), cmd.expression];
      return history(`ONBUILD ${cmd.expression}`, false);
    case 'workdir': {
      const wd = path.posix.resolve(cfg.WorkingDir || '/', expand(cmd.path));
      cfg.WorkingDir = wd;
      const action = { type: 'mkdir' as const, path: wd, mode: 0o755, makeParents: true, ...(cfg.User ? { chown: cfg.User } : {}) };
      addOp(ctx, st, { inputs: inputsOf(st), op: { kind: 'file', actions: [{ input: st.output ? 0 : -1, secondaryInput: -1, output: 0, action }] } }, cmd.location, `WORKDIR ${wd}`);
      return addHistory(st.image, { createdBy: `WORKDIR ${wd}`, withLayer: true, suffix: false, ...(ctx.created !== undefined ? { created: ctx.created } : {}) });
    }
    case 'run':
      return dispatchRun(ctx, st, cmd, history);
    case 'copy':
    case 'add':
      return dispatchCopy(ctx, st, cmd, expand, history);
  }
}

function dispatchRun(ctx: ConvertContext, st: StageState, cmd: RunCmd, history: (s: string, l: boolean) => void): void {
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

async function dispatchCopy(ctx: ConvertContext, st: StageState, cmd: CopyCmd, expand: (w: string) => string, history: (s: string, l: boolean) => void): Promise<void> {
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

function expandPorts(spec: string, cmd: StageCommand): string[] {
  const m = /^(?:([0-9.]+|\[[0-9a-f:]+\]):)?([0-9]+)(?:-([0-9]+))?(?:\/(tcp|udp|sctp))?$/i.exec(spec.trim());
  if (!m) throw new DockerfileError(`invalid containerPort: ${spec}`, { location: cmd.location });
  const start = Number(m[2]);
  const end = m[3] !== undefined ? Number(m[3]) : start;
  if (end < start || end > 65535) throw new DockerfileError(`invalid range of ports: ${spec}`, { location: cmd.location });
  const proto = (m[4] ?? 'tcp').toLowerCase();
  const out: string[] = [];
  for (let p = start; p <= end; p++) out.push(`${p}/${proto}`);
  return out;
}

function shellOf(cfg: { Shell?: string[] | null }): string[] {
  return cfg.Shell && cfg.Shell.length > 0 ? cfg.Shell : ['/bin/sh', '-c'];
}

function inputsOf(st: StageState): { digest: string; index: number }[] {
  return st.output ? [st.output] : [];
}

function addOp(ctx: ConvertContext, st: StageState, op: Op, location: OpMetadata['location'], text: string): void {
  st.step += 1;
  const meta: OpMetadata = { description: `[${st.prefix}${st.step}/${st.total}] ${text}`, ...(location ? { location } : {}) };
  const digest = ctx.graph.add(op, meta);
  st.output = { digest, index: 0 };
}

