/**
 * One instruction -> LLB ops and image config changes. Together with dispatch-run.ts and dispatch-copy.ts this is
 * the only place that knows what each Dockerfile instruction means; this file has the config-only instructions,
 * with BuildKit's history texts (dockerfile2llb commitToHistory) and build checks.
 * Expanded: ENV, LABEL, USER, WORKDIR, VOLUME, STOPSIGNAL, EXPOSE (split into words), ARG defaults, COPY/ADD.
 * Not expanded: MAINTAINER, CMD, ENTRYPOINT, SHELL, HEALTHCHECK, ONBUILD, RUN (the shell does it).
 */
import path from 'node:path';
import { DockerfileError } from '../../../errors.js';
import { ShellExpansionError } from '../shell/index.js';
import type { StageCommand } from '../instructions/types.js';
import { formatGoDuration } from '../instructions/duration.js';
import { RULES } from '../lint/rules.js';
import { expansionEnv } from './build-args.js';
import { dispatchCopy } from './dispatch-copy.js';
import { dispatchRun } from './dispatch-run.js';
import { checkSecretKey, checkUndefinedVars, checkUsedOnce, goList, lintAt } from './dispatch-checks.js';
import { parsePortSpecs, PortSpecError } from './expose.js';
import { addHistory, containerConfig, goStringSlice, setEnv } from './image-state.js';
import { addOp, inputsOf, shellOf } from './op-helpers.js';
import { isValidSignal } from './signals.js';
import type { ConvertContext, StageState } from './stage-state.js';

export async function dispatch(ctx: ConvertContext, st: StageState, cmd: StageCommand): Promise<void> {
  const cfg = containerConfig(st.image);
  const fail = (msg: string): never => { throw new DockerfileError(msg, { location: cmd.location }); };
  const env = (): ReturnType<typeof expansionEnv> => expansionEnv(st.args, cfg.Env ?? []);
  const expandIn = (word: string, words: boolean): string[] => {
    try {
      const e = env();
      const r = st.lex.processWordWithMatches(word, e);
      checkUndefinedVars({ lint: ctx.lint, unmatched: r.unmatched, declared: st.args.keys(), known: e.keys(), loc: cmd.location });
      return words ? st.lex.processWords(word, e) : [r.result];
    } catch (e) {
      if (e instanceof ShellExpansionError) return fail(e.message);
      throw e;
    }
  };
  const expand = (word: string): string => expandIn(word, false)[0]!;
  const history = (createdBy: string, withLayer: boolean): void =>
    addHistory(st.image, { createdBy, withLayer, ...(ctx.created !== undefined ? { created: ctx.created } : {}) });

  switch (cmd.kind) {
    case 'env': {
      let list = cfg.Env ?? [];
      const parts: string[] = [];
      for (const { key, value, noDelim } of cmd.pairs) {
        if (noDelim) lintAt(ctx.lint, RULES.LegacyKeyValueFormat, cmd.location, 'ENV');
        const k = expand(key);
        const v = expand(value);
        checkSecretKey(ctx.lint, 'ENV', k, cmd.location);
        list = setEnv(list, k, v);
        parts.push(`${k}=${v}`);
      }
      cfg.Env = list;
      return history(`ENV ${parts.join(' ')}`, false);
    }
    case 'arg': {
      const parts: string[] = [];
      for (const a of cmd.args) {
        checkSecretKey(ctx.lint, 'ARG', a.key, cmd.location);
        // A build-arg wins, unexpanded; a default is expanded; a global ARG of the same name is inherited.
        const value = ctx.buildArgs.has(a.key) || a.value === undefined ? undefined : expand(a.value);
        st.args.declare(a.key, value, ctx.globalArg(a.key));
        const v = st.args.get(a.key);
        parts.push(v === undefined ? a.key : `${a.key}=${v}`);
      }
      return history(`ARG ${parts.join(' ')}`, false);
    }
    case 'label': {
      const labels = { ...(cfg.Labels ?? {}) };
      const parts: string[] = [];
      for (const { key, value, noDelim } of cmd.pairs) {
        if (noDelim) lintAt(ctx.lint, RULES.LegacyKeyValueFormat, cmd.location, 'LABEL');
        const k = expand(key);
        const v = expand(value);
        labels[k] = v;
        parts.push(`${k}=${v}`);
      }
      cfg.Labels = labels;
      return history(`LABEL ${parts.join(' ')}`, false);
    }
    case 'maintainer':
      st.image.author = cmd.maintainer;
      return history(`MAINTAINER ${cmd.maintainer}`, false);
    case 'user':
      cfg.User = expand(cmd.user);
      return history(`USER ${cfg.User}`, false);
    case 'stopsignal': {
      const sig = expand(cmd.signal);
      if (!isValidSignal(sig)) fail(`invalid signal: ${sig}`);
      cfg.StopSignal = sig;
      return history(`STOPSIGNAL ${sig}`, false);
    }
    case 'shell':
      cfg.Shell = [...cmd.shell];
      return history(`SHELL ${goList(cmd.shell)}`, false);
    case 'expose': {
      const specs = cmd.ports.flatMap((p) => expandIn(p, true));
      let ports: string[];
      try {
        ports = parsePortSpecs(specs);
      } catch (e) {
        if (e instanceof PortSpecError) return fail(e.message);
        throw e;
      }
      const exposed = { ...(cfg.ExposedPorts ?? {}) };
      for (const p of ports) exposed[p] = {};
      cfg.ExposedPorts = exposed;
      return history(`EXPOSE ${goList(ports)}`, false);
    }
    case 'volume': {
      const vols = { ...(cfg.Volumes ?? {}) };
      const expanded = cmd.volumes.map(expand);
      for (const v of expanded) {
        if (v === '') fail('VOLUME specified can not be an empty string');
        vols[v] = {};
      }
      cfg.Volumes = vols;
      return history(`VOLUME ${goList(expanded)}`, false);
    }
    case 'cmd':
    case 'entrypoint': {
      const name = cmd.kind.toUpperCase();
      checkUsedOnce(ctx.lint, st, name, cmd.location);
      if (cmd.prependShell && !(cfg.Shell && cfg.Shell.length > 0)) lintAt(ctx.lint, RULES.JSONArgsRecommended, cmd.location, name);
      const args = cmd.prependShell ? [...shellOf(cfg), cmd.args.join(' ')] : [...cmd.args];
      if (cmd.kind === 'cmd') {
        cfg.Cmd = args;
        // BuildKit sets ArgsEscaped with every CMD (Docker's Windows compatibility flag).
        cfg.ArgsEscaped = true;
        st.cmdSet = true;
      } else {
        cfg.Entrypoint = args;
        // ENTRYPOINT resets a CMD inherited from the base (a CMD earlier in this stage stays).
        if (!st.cmdSet) delete cfg.Cmd;
      }
      return history(`${name} ${goStringSlice(args)}`, false);
    }
    case 'healthcheck': {
      checkUsedOnce(ctx.lint, st, 'HEALTHCHECK', cmd.location);
      const hc = {
        Test: [...cmd.test],
        ...(cmd.interval ? { Interval: cmd.interval } : {}), ...(cmd.timeout ? { Timeout: cmd.timeout } : {}),
        ...(cmd.startPeriod ? { StartPeriod: cmd.startPeriod } : {}), ...(cmd.startInterval ? { StartInterval: cmd.startInterval } : {}),
        ...(cmd.retries ? { Retries: cmd.retries } : {}),
      };
      cfg.Healthcheck = hc;
      const d = (ns: number | undefined): string => formatGoDuration(ns ?? 0);
      return history(`HEALTHCHECK {Test:${goList(cmd.test)} Interval:${d(cmd.interval)} Timeout:${d(cmd.timeout)} `
        + `StartPeriod:${d(cmd.startPeriod)} StartInterval:${d(cmd.startInterval)} Retries:${cmd.retries ?? 0}}`, false);
    }
    case 'onbuild':
      // BuildKit records the trigger in the config only; ONBUILD writes no history entry.
      cfg.OnBuild = [...(cfg.OnBuild ?? []), cmd.expression];
      return;
    case 'workdir':
      return dispatchWorkdir(ctx, st, cmd, expand(cmd.path));
    case 'run':
      return dispatchRun(ctx, st, cmd, history);
    case 'copy':
    case 'add':
      return dispatchCopy(ctx, st, cmd, expand, history);
  }
}

/** WORKDIR: a mkdir op (owned by USER) and a layer, except for "/" which only sets the config. */
function dispatchWorkdir(ctx: ConvertContext, st: StageState, cmd: Extract<StageCommand, { kind: 'workdir' }>, given: string): void {
  const cfg = containerConfig(st.image);
  if (!st.workdirSet && !given.startsWith('/')) lintAt(ctx.lint, RULES.WorkdirRelativePath, cmd.location, given);
  st.workdirSet = true;
  const wd = path.posix.resolve(cfg.WorkingDir || '/', given);
  cfg.WorkingDir = wd;
  const created = ctx.created !== undefined ? { created: ctx.created } : {};
  if (wd === '/') return addHistory(st.image, { createdBy: 'WORKDIR /', withLayer: false, ...created });
  const action = { type: 'mkdir' as const, path: wd, mode: 0o755, makeParents: true, ...(cfg.User ? { chown: cfg.User } : {}) };
  addOp(ctx, st, { inputs: inputsOf(st), op: { kind: 'file', actions: [{ input: st.output ? 0 : -1, secondaryInput: -1, output: 0, action }] } }, cmd.location, `WORKDIR ${given}`);
  addHistory(st.image, { createdBy: `WORKDIR ${wd}`, withLayer: true, suffix: false, ...created });
}
