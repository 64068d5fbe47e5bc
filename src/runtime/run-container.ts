/**
 * Run one process in runc and wait for it: the executor behind a RUN step.
 *
 * Contract: the rootfs is mounted and writable; bundleDir is empty and ours for this run; on return or throw no
 * container with this id is left in runcRoot and no mount stub is left in the rootfs. A non-zero exit status is a
 * result, not an error; runc failing to start the process is an ExecError carrying runc's message.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { EnvironmentError, ExecError } from '../errors.js';
import { resolveInRoot } from '../snapshot/chroot-path.js';
import { DEFAULT_HOSTNAME, writeEtcFiles } from './etc-files.js';
import { missingMountPoints, removeMountStubs } from './mount-stubs.js';
import { containerNofile } from './rlimit.js';
import { runcDelete, runcKill, runcList, runcLoggedError, spawnRuncRun } from './runc.js';
import { buildSpec } from './spec.js';
import { applyInsecure, probeInsecure } from './spec-insecure.js';
import { AbortError, type RunOptions } from './types.js';
import { resolveUser } from './user.js';
import { exists } from '../util/fs.js';

/** How long to keep retrying `runc kill` while the container is still being created, before killing runc. */
const KILL_RETRY_MS = 1000;

export async function runContainer(opts: RunOptions): Promise<{ exitCode: number }> {
  if (opts.signal?.aborted) throw new AbortError(opts.signal.reason);
  const hostname = opts.hostname ?? DEFAULT_HOSTNAME;
  const [user, nofile, etc] = await Promise.all([
    resolveUser(opts.rootfs, opts.process.user),
    containerNofile(),
    writeEtcFiles({ bundleDir: opts.bundleDir, hostname, network: opts.network }),
    ensureCwd(opts.rootfs, opts.process.cwd),
  ]);
  const spec = buildSpec({
    rootfs: opts.rootfs, args: opts.process.args, env: opts.process.env, cwd: opts.process.cwd, user, hostname,
    network: opts.network, rootless: opts.rootless, noProcessSandbox: opts.noProcessSandbox ?? false, etc, nofile,
    mounts: opts.mounts ?? [],
  });
  if (opts.privileged) applyInsecure(spec, await probeInsecure(opts.rootless));
  const stubs = await missingMountPoints(opts.rootfs, spec.mounts.map((m) => m.destination));
  await writeFile(path.join(opts.bundleDir, 'config.json'), JSON.stringify(spec));
  try {
    return await runAndWait(opts);
  } finally {
    await removeMountStubs(stubs);
  }
}

/** Kill and delete every container in a runc state dir (cleanup on exit/SIGINT). */
export async function killAllContainers(runcRoot: string): Promise<void> {
  if (!(await exists(runcRoot))) return; // `runc list` would create it
  const ids = await runcList(runcRoot);
  await Promise.all(ids.map(async (id) => {
    await runcKill({ runcRoot, id, all: true });
    await runcDelete(runcRoot, id);
  }));
}

async function runAndWait(opts: RunOptions): Promise<{ exitCode: number }> {
  // An abort during preparation fired no event we listened to.
  if (opts.signal?.aborted) throw new AbortError(opts.signal.reason);
  const logFile = path.join(opts.bundleDir, 'runc.log');
  const child = spawnRuncRun({ runcRoot: opts.runcRoot, bundleDir: opts.bundleDir, id: opts.id, logFile });
  child.stdout.on('data', (c: Buffer) => opts.onOutput(1, c));
  child.stderr.on('data', (c: Buffer) => opts.onOutput(2, c));
  const running = () => child.exitCode === null && child.signalCode === null;

  let aborted = false;
  let killing: Promise<void> | undefined;
  const onAbort = () => {
    aborted = true;
    killing = (async () => {
      const all = opts.noProcessSandbox ?? false;
      for (const deadline = Date.now() + KILL_RETRY_MS; running() && Date.now() < deadline; await sleep(20)) {
        if (await runcKill({ runcRoot: opts.runcRoot, id: opts.id, all })) return;
      }
      // Still being created (or runc is stuck): kill runc itself; `delete --force` below reaps its init.
      if (running()) child.kill('SIGKILL');
    })();
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  let result;
  try {
    result = await child;
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    await killing;
    // `runc run` deletes its container when the process exits; only a killed/crashed runc leaves state behind.
    // Checking the state dir saves a runc start (~10 ms) per RUN.
    if (aborted || (await exists(path.join(opts.runcRoot, opts.id)))) await runcDelete(opts.runcRoot, opts.id);
  }
  if (aborted) throw new AbortError(opts.signal?.reason);
  const spawnError = result.failed ? (result as { code?: string }).code : undefined;
  if (spawnError === 'ENOENT') {
    throw new EnvironmentError('runc is not installed (not on PATH, nor in /usr/sbin or /sbin)', { hint: 'apt-get install runc; run "buildctl doctor"' });
  }
  if (spawnError === 'EACCES') {
    throw new EnvironmentError('runc cannot be executed (permission denied)', { hint: 'run "buildctl doctor"' });
  }
  const exitCode = result.exitCode ?? 128 + signalNumber(result.signal);
  const runcError = await runcLoggedError(logFile);
  // runc logs e.g. "runc run failed: unable to start container process: exec: ...": one line, runc's words.
  if (runcError !== undefined) {
    const line = runcError.split('\n')[0]!;
    if (/mounting "proc"/.test(line) && /operation not permitted|permission denied/i.test(line)) {
      throw new EnvironmentError(line, { hint: PROC_HINT });
    }
    throw new ExecError(line, exitCode);
  }
  return { exitCode };
}

/** What to do when a fresh /proc cannot be mounted: as in an unprivileged container, whose /proc has masked paths. */
const PROC_HINT = 'this machine cannot mount a fresh /proc for RUN (an unprivileged container?): set '
  + 'BUILDKITD_FLAGS=--oci-worker-no-process-sandbox; run "buildctl doctor" to check this machine';

/** Create the working directory (root-owned, 0755, as BuildKit) when it does not exist. */
async function ensureCwd(rootfs: string, cwd: string): Promise<void> {
  const p = await resolveInRoot(rootfs, cwd);
  if (!(await exists(p))) await mkdir(p, { recursive: true, mode: 0o755 });
}


/** runc itself died of a signal (not the container: runc reports that as 128+n). */
function signalNumber(sig: string | undefined): number {
  return sig === undefined ? 0 : (os.constants.signals as Record<string, number>)[sig] ?? 0;
}
