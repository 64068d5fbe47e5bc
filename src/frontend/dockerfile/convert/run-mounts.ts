/**
 * Typed `RUN --mount`s -> the exec op's mounts, inputs and secret env vars, as BuildKit's dispatchRunMounts,
 * dispatchSecret and dispatchSSH (dockerfile2llb/convert_runmount.go, convert_secrets.go, convert_ssh.go) and
 * llb.ExecOp's defaults (ssh sockets at /run/buildkit/ssh_agent.N, SSH_AUTH_SOCK set to the first one).
 */
import path from 'node:path';
import { DockerfileError, type SourceLocation } from '../../../errors.js';
import type { ExecMount, OpInput, SecretEnv } from '../../../llb/ops.js';
import type { RunMount } from './run-mount-parse.js';
import type { ConvertContext } from './stage-state.js';

export interface RunMountsResult {
  /** The mounts besides the rootfs, in Dockerfile order. */
  readonly mounts: ExecMount[];
  readonly secretEnv: SecretEnv[];
  /** Env vars the mounts add to the process (SSH_AUTH_SOCK), applied only where the env has none. */
  readonly env: [string, string][];
}

export interface RunMountsOptions {
  readonly ctx: ConvertContext;
  /** The op's inputs so far (the rootfs first, if any); mount sources are appended, each once. */
  readonly inputs: OpInput[];
  /** The stage's working dir: relative targets are resolved against it. */
  readonly workdir: string;
  readonly location: SourceLocation;
}

export async function convertRunMounts(mounts: readonly RunMount[], o: RunMountsOptions): Promise<RunMountsResult> {
  const out: RunMountsResult = { mounts: [], secretEnv: [], env: [] };
  const fail = (msg: string): never => { throw new DockerfileError(msg, { location: o.location }); };
  let sshIndex = 0;
  for (const m of mounts) {
    if (m.type === 'secret') {
      const id = m.source || m.id || (m.target ? path.posix.basename(m.target) : fail('one of source, target required'));
      if (m.env !== undefined) out.secretEnv.push({ id, name: m.env, optional: !m.required });
      if (m.env !== undefined && !m.target) continue;
      out.mounts.push({
        input: -1, dest: m.target || `/run/secrets/${path.posix.basename(id)}`, output: -1, readonly: true, type: 'secret', secretId: id,
        optional: !m.required, mode: m.mode ?? 0o400, uid: m.uid ?? 0, gid: m.gid ?? 0,
      });
      continue;
    }
    if (m.type === 'ssh') {
      if (m.source) fail('ssh does not support source');
      const dest = m.target || `/run/buildkit/ssh_agent.${sshIndex}`;
      sshIndex += 1;
      if (sshIndex === 1) out.env.push(['SSH_AUTH_SOCK', dest]);
      out.mounts.push({
        input: -1, dest, output: -1, readonly: true, type: 'ssh', sshId: m.id || 'default',
        optional: !m.required, mode: m.mode ?? 0o600, uid: m.uid ?? 0, gid: m.gid ?? 0,
      });
      continue;
    }
    const target = resolveTarget(m.target ?? '', o.workdir);
    if (target === '/') fail(`invalid mount target "${target}"`);
    const source = path.posix.join('/', m.source ?? '');
    const selector = source !== '/' ? { selector: source } : {};
    if (m.type === 'tmpfs') {
      out.mounts.push({ input: -1, dest: target, output: -1, readonly: m.readonly, type: 'tmpfs', ...(m.size !== undefined ? { tmpfsSize: m.size } : {}) });
      continue;
    }
    const input = await mountInput(m, o);
    const index = input === undefined ? -1 : addInput(o.inputs, input);
    if (m.type === 'bind') {
      out.mounts.push({ input: index, ...selector, dest: target, output: -1, readonly: m.readonly, type: 'bind' });
      continue;
    }
    // cache: the id defaults to the target (docs: "Defaults to value of target").
    out.mounts.push({
      input: index, ...selector, dest: target, output: -1, readonly: m.readonly, type: 'cache',
      cacheId: m.id || target, cacheSharing: m.sharing ?? 'shared',
      ...(m.mode !== undefined ? { mode: m.mode } : {}), ...(m.uid !== undefined ? { uid: m.uid } : {}), ...(m.gid !== undefined ? { gid: m.gid } : {}),
    });
  }
  return out;
}

/** Where a bind or cache mount reads from: `from=` a stage or an image; else the context (bind) or nothing (cache). */
async function mountInput(m: RunMount, o: RunMountsOptions): Promise<OpInput | undefined> {
  if (m.from === undefined || m.from === '') return m.type === 'bind' ? o.ctx.context() : undefined;
  const stage = await o.ctx.stageOutput(m.from, Number.POSITIVE_INFINITY);
  if (stage) return stage.output;
  try {
    const img = await o.ctx.image(m.from);
    return o.ctx.imageOp(img.pinned, `FROM ${img.pinned}`, o.location);
  } catch (e) {
    throw e instanceof DockerfileError ? e : new DockerfileError(`RUN --mount from=${m.from}: ${(e as Error).message}`, { location: o.location });
  }
}

function resolveTarget(target: string, workdir: string): string {
  const abs = path.posix.isAbsolute(target) ? path.posix.normalize(target) : path.posix.join('/', workdir || '/', target);
  return abs.length > 1 ? abs.replace(/\/+$/, '') : abs;
}

function addInput(inputs: OpInput[], input: OpInput): number {
  const found = inputs.findIndex((i) => i.digest === input.digest && i.index === input.index);
  if (found >= 0) return found;
  inputs.push(input);
  return inputs.length - 1;
}
