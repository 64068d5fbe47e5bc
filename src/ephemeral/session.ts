/**
 * The life of one build's on-disk state. The run dir (mount points, runc bundles and state) is always
 * ephemeral: under $XDG_RUNTIME_DIR, else the system temp dir. The state dir (layers, cache keys, blobs) is a
 * second ephemeral dir under $TMPDIR (or /tmp) unless --root names a persistent one. close() unmounts
 * everything, kills and deletes every container, and removes both dirs; it runs on success, failure and
 * SIGINT/SIGTERM alike.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { StateDir } from '../cache/state-dir.js';
import { killAllContainers } from '../runtime/index.js';
import type { MountTracker } from './mounts.js';
import { mountsUnder, reapDeadDirs, writeOwner } from './reap.js';

export interface Session {
  readonly runDir: string;
  readonly state: StateDir;
  readonly persistent: boolean;
  /** Clean up; returns problems found (never throws, so the build's own error is the one reported). */
  close(mounts: MountTracker | undefined): Promise<string[]>;
}

/** Where the ephemeral state dir goes: $TMPDIR, else /tmp (what os.tmpdir() says for this env). */
export function stateBase(env: NodeJS.ProcessEnv = process.env): string {
  const t = env['TMPDIR'];
  return t && t !== '' ? t : os.tmpdir();
}

export function ephemeralBase(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env['XDG_RUNTIME_DIR'];
  return xdg && xdg !== '' ? xdg : os.tmpdir();
}

/**
 * The run dir: BUILDCTL_RUN_DIR when scripts/buildctl-daemonless.sh (or our own re-exec) made it before starting
 * rootlesskit, whose state dir lives in it; else a fresh one. Either way this session owns it and removes it.
 */
async function makeRunDir(env: NodeJS.ProcessEnv): Promise<string> {
  const given = env['BUILDCTL_RUN_DIR'];
  if (given !== undefined && given !== '') {
    delete env['BUILDCTL_RUN_DIR']; // one session per process owns it
    const st = await stat(given).catch(() => undefined);
    if (st?.isDirectory() && st.uid === process.getuid?.()) return given;
  }
  return mkdtemp(path.join(ephemeralBase(env), 'buildctl-'));
}

export async function openSession(opts: { root?: string; env?: NodeJS.ProcessEnv }): Promise<Session> {
  const env = opts.env ?? process.env;
  const runDir = await makeRunDir(env);
  const persistent = opts.root !== undefined;
  // The ephemeral state (layers: hundreds of MB) goes to the temp dir, not to $XDG_RUNTIME_DIR (a small tmpfs).
  const stateRoot = opts.root ?? await mkdtemp(path.join(stateBase(env), 'buildctl-state-')).catch(async (e: unknown) => {
    await rm(runDir, { recursive: true, force: true });
    throw e;
  });
  const state = new StateDir(stateRoot);
  await state.init();
  await writeOwner(runDir);
  if (!persistent) await writeOwner(stateRoot);
  // Builds killed before they could clean up (SIGKILL) left their dirs, containers and mounts: reap them.
  await reapDeadDirs(ephemeralBase(env), 'buildctl-'); // also buildctl-state-* when both bases are one dir
  if (stateBase(env) !== ephemeralBase(env)) await reapDeadDirs(stateBase(env), 'buildctl-state-');
  let closed = false;
  return {
    runDir,
    state,
    persistent,
    async close(mounts) {
      if (closed) return [];
      closed = true;
      const problems: string[] = [];
      await killAllContainers(path.join(runDir, 'runc')).catch((e: Error) => problems.push(`killing containers: ${e.message}`));
      if (mounts) for (const e of await mounts.unmountAll()) problems.push(`unmount: ${e.message}`);
      // Never delete through a mount that is still there: that could reach into a layer or a host dir.
      const still = await mountsUnder(runDir);
      if (still.length > 0) {
        problems.push(`left ${runDir} in place: still mounted: ${still.join(', ')}`);
        return problems;
      }
      await rm(runDir, { recursive: true, force: true }).catch((e: Error) => problems.push(`removing ${runDir}: ${e.message}`));
      if (!persistent) {
        const stateMounts = await mountsUnder(stateRoot);
        if (stateMounts.length > 0) problems.push(`left ${stateRoot} in place: still mounted: ${stateMounts.join(', ')}`);
        else await rm(stateRoot, { recursive: true, force: true }).catch((e: Error) => problems.push(`removing ${stateRoot}: ${e.message}`));
      }
      return problems;
    },
  };
}
