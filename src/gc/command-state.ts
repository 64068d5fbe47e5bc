/**
 * What du and prune share: the persistent state dir they work on, checked like a build checks it (a rootless
 * state dir holds subuid-owned files: only the rootless builds of its user may touch it, from inside
 * rootlesskit), and the re-exec under rootlesskit when we lack privileges, as `build` does.
 */
import { rm, stat } from 'node:fs/promises';
import { StateDir } from '../cache/state-dir.js';
import { checkStateOwner, readStateOwner } from '../cache/state-owner.js';
import { FlagError, isErrno } from '../errors.js';
import { detectPrivilege, hostUidOfRoot } from '../rootless/privilege.js';
import type { CommandIO } from '../cli/io.js';

/** The state dir to read, or undefined when `root` does not exist yet (nothing cached: empty output). */
export async function gcStateDir(root: string | undefined, command: string): Promise<StateDir | undefined> {
  if (root === undefined) {
    throw new FlagError(`${command} needs a persistent state dir: --root DIR (or BUILDKITD_FLAGS="--root DIR"); without it every build's state is removed when the build ends`);
  }
  try {
    await stat(root);
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return undefined;
    throw e;
  }
  const owner = await readStateOwner(root);
  if (owner !== undefined) {
    const p = detectPrivilege();
    const me = p.mode === 'userns' ? { mode: 'rootless' as const, hostUid: hostUidOfRoot(p.uidMap) ?? 0 } : { mode: 'root' as const, hostUid: 0 };
    checkStateOwner(root, owner, me);
  }
  return new StateDir(root);
}

/** Without privileges: run this same command inside rootlesskit and return its exit code; else undefined. */
export async function reexecIfUnprivileged(io: CommandIO): Promise<number | undefined> {
  if (detectPrivilege(io.env).mode !== 'needs-rootlesskit') return undefined;
  const { runUnderRootlesskit } = await import('../rootless/reexec.js');
  return runUnderRootlesskit({
    argv: [process.execPath, ...process.execArgv, ...process.argv.slice(1)],
    env: io.env, net: 'host', stderr: io.stderr, signals: io.signals,
  });
}

/** The run dir buildctl-daemonless.sh or our re-exec made for rootlesskit: du/prune open no session that would remove it. */
export async function removeGivenRunDir(env: NodeJS.ProcessEnv): Promise<void> {
  const given = env['BUILDCTL_RUN_DIR'];
  if (given === undefined || given === '') return;
  delete env['BUILDCTL_RUN_DIR'];
  await rm(given, { recursive: true, force: true }).catch(() => undefined);
}
