/**
 * The end-to-end worker matrix, like BuildKit's integration tests run on {oci, oci-rootless}: every e2e file
 * runs its tests once as root and once as the unprivileged test user (scripts/test-users.sh), whose builds go
 * through rootlesskit. A worker runs the real CLI through scripts/buildctl-daemonless.sh and makes the dirs it
 * reads and writes accessible to its user.
 */
import { spawn } from 'node:child_process';
import { chown } from 'node:fs/promises';
import path from 'node:path';
import { testEnv } from '../helpers/env.js';
import { REPO, SCRIPT, buildctl, makeDir, tempPath, type FileSpec, type RunResult } from './helpers.js';

export interface TestWorker {
  readonly name: 'oci' | 'oci-rootless';
  readonly rootless: boolean;
  /** uid/gid the CLI runs as (0 for root). */
  readonly uid: number;
  readonly gid: number;
  /** Run buildctl-daemonless.sh ARGS as this worker's user. */
  buildctl(args: readonly string[], opts?: { env?: NodeJS.ProcessEnv; cwd?: string }): Promise<RunResult>;
  /** Spawn it (for tests that signal it); stdout ignored, stderr piped. */
  spawnBuildctl(args: readonly string[], opts?: { env?: NodeJS.ProcessEnv }): ReturnType<typeof spawn>;
  /** A context dir with these files, readable by the worker's user. */
  makeDir(files: Record<string, FileSpec>, prefix?: string): Promise<string>;
  /** A path in a fresh dir the worker's user may write to. */
  tempPath(name: string): Promise<string>;
  /** A fresh dir owned by the worker's user. */
  ownedDir(prefix: string): Promise<string>;
  /** The owner a file of the image with this uid has in a type=local output (the caller's own, rootless). */
  localUid(imageUid: number): number;
}

function worker(o: { name: TestWorker['name']; uid: number; gid: number; home?: string; user?: string }): TestWorker {
  const rootless = o.uid !== 0;
  const env = (extra: NodeJS.ProcessEnv | undefined): NodeJS.ProcessEnv => {
    const e: NodeJS.ProcessEnv = { ...process.env, ...extra };
    if (rootless) {
      Object.assign(e, { HOME: o.home, USER: o.user, LOGNAME: o.user });
      if (extra?.['XDG_RUNTIME_DIR'] === undefined) delete e['XDG_RUNTIME_DIR'];
    }
    return e;
  };
  const give = async (p: string): Promise<void> => { if (rootless) await chownTree(p, o.uid, o.gid); };
  const spawnBuildctl: TestWorker['spawnBuildctl'] = (args, opts = {}) =>
    spawn(SCRIPT, args, { env: env(opts.env), cwd: REPO, stdio: ['ignore', 'ignore', 'pipe'], uid: o.uid, gid: o.gid });
  return {
    name: o.name,
    rootless,
    uid: o.uid,
    gid: o.gid,
    buildctl: (args, opts = {}) => buildctl(args, { fullEnv: env(opts.env), uid: o.uid, gid: o.gid, ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {}) }),
    spawnBuildctl,
    async makeDir(files, prefix) {
      const dir = await makeDir(files, prefix);
      await give(dir);
      return dir;
    },
    async tempPath(name) {
      const p = await tempPath(name);
      await give(path.dirname(p));
      return p;
    },
    async ownedDir(prefix) {
      const p = path.dirname(await tempPath(prefix));
      await give(p);
      return p;
    },
    localUid: (imageUid) => (rootless ? o.uid : imageUid),
  };
}

async function chownTree(p: string, uid: number, gid: number): Promise<void> {
  const { readdir, lstat } = await import('node:fs/promises');
  await chown(p, uid, gid);
  if (!(await lstat(p)).isDirectory()) return;
  for (const name of await readdir(p)) await chownTree(path.join(p, name), uid, gid);
}

/** Root first, then rootless. */
export function testWorkers(): TestWorker[] {
  const u = testEnv().users.rootless;
  return [
    worker({ name: 'oci', uid: 0, gid: 0 }),
    worker({ name: 'oci-rootless', uid: u.uid, gid: u.gid, home: u.home, user: u.name }),
  ];
}
