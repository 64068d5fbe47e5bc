/**
 * One instruction -> LLB ops and image config changes. Together with dispatch-run.ts and dispatch-copy.ts this is
 * the only place that knows what each Dockerfile instruction means; this file has the config-only instructions.
 */
import path from 'node:path';
import { DockerfileError } from '../../../errors.js';
import { ShellExpansionError } from '../shell/index.js';
import type { StageCommand } from '../instructions/types.js';
import { expansionEnv } from './build-args.js';
import { dispatchCopy } from './dispatch-copy.js';
import { dispatchRun } from './dispatch-run.js';
import { addHistory, containerConfig, goStringSlice, setEnv } from './image-state.js';
import { addOp, inputsOf, shellOf } from './op-helpers.js';
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

