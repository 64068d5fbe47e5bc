/**
 * One build, start to end, in this process: open the session (state dir), run the frontend, solve,
 * export, and always clean up.
 */
import { EnvironmentError } from '../errors.js';
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

function requireRoot(): void {
  if (process.getuid?.() !== 0) {
    throw new EnvironmentError('running as a non-root user is not supported yet', { hint: 'run as root (rootless mode is coming)' });
  }
}

export async function runBuild(req: BuildRequest, daemon: DaemonOptions, ctx: BuildContext): Promise<ExporterResponse> {
  requireRoot();
  const session = await openSession({ ...(daemon.root !== undefined ? { root: daemon.root } : {}) });
  let worker: Worker | undefined;
  try {
    worker = new Worker({ state: session.state, runDir: session.runDir, rootless: false, locals: req.locals, registry: new RegistryClient() });
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
    const worker = new Worker({ state: session.state, runDir: session.runDir, rootless: process.getuid?.() !== 0, locals: req.locals, registry: new RegistryClient() });
    const frontend = await loadDockerfileFrontend(req, worker, progress, new Date().toISOString());
    return dumpDefinition(frontend.definition);
  } finally {
    await session.close(undefined);
  }
}
