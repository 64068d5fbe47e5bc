/**
 * One build, start to end, in this process: open the session (state dir), run the frontend, solve,
 * export, and always clean up.
 */
import { EnvironmentError, FlagError } from '../errors.js';
import { checkSnapshotter, checkStateOwner, readStateOwner, writeStateOwner, type BuildIdentity } from '../cache/state-owner.js';
import type { StateDir } from '../cache/state-dir.js';
import { detectPrivilege, hostUidOfRoot } from '../rootless/privilege.js';
import { DOCTOR_HINT } from '../rootless/rootlesskit-stderr.js';
import { dumpDefinition } from '../llb/definition.js';
import { openSession } from '../ephemeral/session.js';
import type { ProgressSink } from '../progress/types.js';
import { RegistryClient } from '../registry/index.js';
import { registryClientOptions } from '../config/registry-hosts.js';
import { opImplFor } from '../solver/ops/index.js';
import { SCRATCH } from '../solver/result.js';
import { Solver } from '../solver/solver.js';
import { probeSnapshotter, type SnapshotterName } from '../snapshot/probe.js';
import { Worker } from '../solver/worker.js';
import { exportOutputs } from './export.js';
import { gcAfterBuild, gcSettings } from '../gc/after-build.js';
import { exportCaches, inlineCacheProvider } from '../cache/export/index.js';
import { loadImportedCaches, type ImportedCaches } from '../cache/import/index.js';
import { sourceDateEpochOf } from '../output/source-date-epoch.js';
import { loadDockerfileFrontend } from './frontend.js';
import type { BuildRequest, DaemonOptions, ExporterResponse } from './request.js';

export interface BuildContext {
  readonly progress: ProgressSink;
  readonly signal: AbortSignal;
  /** Tests: observe when vertices run. */
  readonly onVertexTiming?: (digest: string, phase: 'start' | 'end', at: number, kind: string) => void;
}

/** Root, or rootless inside rootlesskit's user namespace; anything else was re-run under rootlesskit by the CLI. */
function buildMode(daemon: DaemonOptions): { rootless: boolean; owner: BuildIdentity } {
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

/**
 * Check that this build may use the state dir, and pick its snapshotter: the one the state dir was made with;
 * for a new one, --oci-worker-snapshotter, or (auto) overlayfs where a probe mount in the state dir works, else
 * native. A new state dir is claimed for this build's mode and snapshotter.
 */
async function stateDirSnapshotter(state: StateDir, me: BuildIdentity, asked: DaemonOptions['snapshotter'], progress: ProgressSink): Promise<SnapshotterName> {
  const recorded = await readStateOwner(state.root);
  if (recorded !== undefined) {
    checkStateOwner(state.root, recorded, me);
    checkSnapshotter(state.root, recorded, asked);
    return recorded.snapshotter;
  }
  const snapshotter = await chooseSnapshotter(asked, state.tmp, me.mode === 'rootless', progress);
  await writeStateOwner(state.root, { ...me, snapshotter });
  return snapshotter;
}

async function chooseSnapshotter(asked: DaemonOptions['snapshotter'], dir: string, rootless: boolean, progress: ProgressSink): Promise<SnapshotterName> {
  if (asked === 'overlayfs' || asked === 'native') return asked;
  const probe = await probeSnapshotter({ dir, rootless });
  if (probe.name === 'native') {
    progress.warn(`overlayfs cannot be used here: ${probe.reason ?? "the probe mount failed"}; using the native snapshotter (it copies)`);
  }
  return probe.name;
}

export async function runBuild(req: BuildRequest, daemon: DaemonOptions, ctx: BuildContext): Promise<ExporterResponse> {
  const { rootless, owner } = buildMode(daemon);
  const session = await openSession({ ...(daemon.root !== undefined ? { root: daemon.root } : {}) });
  let worker: Worker | undefined;
  let imported: ImportedCaches | undefined;
  try {
    const snapshotter = await stateDirSnapshotter(session.state, owner, daemon.snapshotter, ctx.progress);
    worker = new Worker({
      state: session.state, runDir: session.runDir, rootless, noProcessSandbox: daemon.noProcessSandbox ?? false, snapshotter,
      locals: req.locals, registry: new RegistryClient(registryClientOptions(daemon.config)), secrets: req.secrets ?? [], ssh: req.ssh ?? [], allow: req.allow ?? [],
    });
    const created = new Date().toISOString();
    // SOURCE_DATE_EPOCH (the build arg; the CLI copies $SOURCE_DATE_EPOCH into it) fixes the image's times.
    const epoch = sourceDateEpochOf(req.frontendOpts.buildArgs);
    const frontend = await loadDockerfileFrontend(req, worker, ctx.progress, created);
    ctx.signal.throwIfAborted();
    imported = await loadImportedCaches(req.importCache ?? [], worker, ctx.progress, ctx.signal);
    const solver = new Solver(frontend.definition, {
      worker, progress: ctx.progress, impl: opImplFor, signal: ctx.signal, noCache: req.noCache,
      ...(imported.lookup ? { imported: imported.lookup } : {}),
      ...(ctx.onVertexTiming ? { onVertexTiming: ctx.onVertexTiming } : {}),
    });
    const result = (await solver.solve()) ?? SCRATCH;
    await worker.saveMemos();
    if (result.kind !== 'snapshot') throw new Error('build result is a local source, not a snapshot');
    const output = frontend.definition.output?.digest;
    // type=inline: the image outputs embed the cache in their config (cache/export/inline.ts).
    const inline = output !== undefined && req.exportCache?.some((c) => c.type === 'inline') ? inlineCacheProvider({ solver, output, worker }) : undefined;
    const input = { result, image: frontend.image, created, ...(epoch !== undefined ? { epoch } : {}), ...(inline ? { inlineCache: inline.provider } : {}) };
    const response = await exportOutputs(req.outputs, input, worker, ctx.progress);
    if (output !== undefined) await exportCaches(req.exportCache ?? [], { solver, output, worker, progress: ctx.progress, ...(inline ? { inlineUsed: inline.used() } : {}) });
    // After everything that reads the cache (outputs, cache export): the GC may remove any record.
    await gcAfterBuild({
      state: session.state, persistent: session.persistent, used: result.layers, lease: worker.layers.lease,
      settings: gcSettings({ config: daemon.config, flagBytes: daemon.gcKeepBytes, flagGc: daemon.gc }),
    });
    return response;
  } finally {
    await imported?.close();
    await worker?.layers.lease.release().catch(() => undefined); // a failed build's lease (gcAfterBuild released a good one's)
    const problems = await session.close(worker?.mounts);
    for (const p of problems) ctx.progress.warn(p);
  }
}

/** `buildctl debug dump-llb`: the graph the frontend makes for these flags, without solving it. */
export async function dumpLlb(req: BuildRequest, daemon: DaemonOptions, progress: ProgressSink): Promise<unknown[]> {
  const session = await openSession({ ...(daemon.root !== undefined ? { root: daemon.root } : {}) });
  try {
    const worker = new Worker({ state: session.state, runDir: session.runDir, rootless: detectPrivilege().mode !== 'root', locals: req.locals, registry: new RegistryClient(registryClientOptions(daemon.config)) });
    const frontend = await loadDockerfileFrontend(req, worker, progress, new Date().toISOString());
    return dumpDefinition(frontend.definition);
  } finally {
    await session.close(undefined);
  }
}
