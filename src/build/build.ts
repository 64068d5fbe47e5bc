/**
 * One build, start to end, in this process: open the session (state dir), run the frontend, solve,
 * export, and always clean up.
 */
import { EnvironmentError, FlagError } from '../errors.js';
import { claimStateDir, type StateOwner } from '../cache/state-owner.js';
import { detectPrivilege, hostUidOfRoot } from '../rootless/privilege.js';
import { DOCTOR_HINT } from '../rootless/rootlesskit-stderr.js';
import { dumpDefinition } from '../llb/definition.js';
import { openSession } from '../ephemeral/session.js';
import type { ProgressSink } from '../progress/types.js';
import { RegistryClient } from '../registry/index.js';
import { opImplFor } from '../solver/ops/index.js';
import { SCRATCH } from '../solver/result.js';
import { Solver } from '../solver/solver.js';
import { Worker } from '../solver/worker.js';
import { exportOutputs } from './export.js';
import { loadDockerfileFrontend } from './frontend.js';
import type { BuildRequest, DaemonOptions, ExporterResponse } from './request.js';

export interface BuildContext {
  readonly progress: ProgressSink;
  readonly signal: AbortSignal;
  /** Tests: observe when vertices run. */
  readonly onVertexTiming?: (digest: string, phase: 'start' | 'end', at: number, kind: string) => void;
}

/** Root, or rootless inside rootlesskit's user namespace; anything else was re-run under rootlesskit by the CLI. */
function buildMode(daemon: DaemonOptions): { rootless: boolean; owner: StateOwner } {
  const p = detectPrivilege();
  if (p.mode === 'needs-rootlesskit') {
    throw new EnvironmentError(`cannot build here: ${p.reason ?? 'not fully privileged'}, and not inside rootlesskit`, { hint: DOCTOR_HINT });
  }
  const rootless = p.mode === 'userns';
  if (daemon.net === 'slirp4netns' && !rootless) {
    throw new FlagError('--oci-worker-net=slirp4netns is for rootless builds (it runs the build under rootlesskit --net=slirp4netns); as root, RUN uses the host network');
  }
  return { rootless, owner: rootless ? { mode: 'rootless', hostUid: hostUidOfRoot(p.uidMap) ?? 0 } : { mode: 'root', hostUid: 0 } };
}

export async function runBuild(req: BuildRequest, daemon: DaemonOptions, ctx: BuildContext): Promise<ExporterResponse> {
  const { rootless, owner } = buildMode(daemon);
  const session = await openSession({ ...(daemon.root !== undefined ? { root: daemon.root } : {}) });
  let worker: Worker | undefined;
  try {
    await claimStateDir(session.state.root, owner);
    worker = new Worker({
      state: session.state, runDir: session.runDir, rootless, noProcessSandbox: daemon.noProcessSandbox ?? false,
      locals: req.locals, registry: new RegistryClient(),
    });
    const created = new Date().toISOString();
    const frontend = await loadDockerfileFrontend(req, worker, ctx.progress, created);
    ctx.signal.throwIfAborted();
    const solver = new Solver(frontend.definition, {
      worker, progress: ctx.progress, impl: opImplFor, signal: ctx.signal, noCache: req.noCache,
      ...(ctx.onVertexTiming ? { onVertexTiming: ctx.onVertexTiming } : {}),
    });
    const result = (await solver.solve()) ?? SCRATCH;
    await worker.saveMemos();
    if (result.kind !== 'snapshot') throw new Error('build result is a local source, not a snapshot');
    return await exportOutputs(req.outputs, { result, image: frontend.image, created }, worker, ctx.progress);
  } finally {
    const problems = await session.close(worker?.mounts);
    for (const p of problems) ctx.progress.warn(p);
  }
}

/** `buildctl debug dump-llb`: the graph the frontend makes for these flags, without solving it. */
export async function dumpLlb(req: BuildRequest, daemon: DaemonOptions, progress: ProgressSink): Promise<unknown[]> {
  const session = await openSession({ ...(daemon.root !== undefined ? { root: daemon.root } : {}) });
  try {
    const worker = new Worker({ state: session.state, runDir: session.runDir, rootless: detectPrivilege().mode !== 'root', locals: req.locals, registry: new RegistryClient() });
    const frontend = await loadDockerfileFrontend(req, worker, progress, new Date().toISOString());
    return dumpDefinition(frontend.definition);
  } finally {
    await session.close(undefined);
  }
}
