/**
 * What a build killed with SIGKILL (or OOM, or a lost machine) leaves behind: its run dir with runc containers
 * that may still be running, overlay mounts, and its ephemeral state dir. Every session writes an `owner` file
 * (pid and process start time) into both dirs; a later session reaps the dirs whose owner is gone: kills and
 * deletes their containers, unmounts what is mounted under them (deepest first), and removes them. Only dirs
 * of our own uid, and never while anything is still mounted under one.
 */
import { readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { processStartTime } from '../cache/locks.js';
import { killAllContainers } from '../runtime/index.js';
import { unmount } from '../snapshot/index.js';

const OWNER = 'owner';

/** Mark `dir` as this process's. */
export async function writeOwner(dir: string): Promise<void> {
  await writeFile(path.join(dir, OWNER), `${process.pid} ${processStartTime(process.pid) ?? '0'}\n`);
}

/** True when the dir has an owner file whose process no longer runs. A dir without one is left alone. */
async function ownerGone(dir: string): Promise<boolean> {
  const text = await readFile(path.join(dir, OWNER), 'utf8').catch(() => undefined);
  if (text === undefined) return false;
  const [pid, start] = text.trim().split(' ');
  return processStartTime(Number(pid)) !== start;
}

export async function mountsUnder(dir: string): Promise<string[]> {
  const info = await readFile('/proc/self/mountinfo', 'utf8').catch(() => '');
  return info.split('\n').map((l) => l.split(' ')[4] ?? '').map(unescapeMountPath).filter((m) => m === dir || m.startsWith(dir + '/'));
}

const MKDTEMP_SUFFIX = /^[A-Za-z0-9]{6}$/;

/** `prefix` + mkdtemp's suffix, or `buildctl-state-` + suffix when the prefix is `buildctl-` (one shared base). */
export function isSessionDirName(name: string, prefix: string): boolean {
  if (!name.startsWith(prefix)) return false;
  const rest = name.slice(prefix.length);
  return MKDTEMP_SUFFIX.test(rest) || (prefix === 'buildctl-' && rest.startsWith('state-') && MKDTEMP_SUFFIX.test(rest.slice(6)));
}

function unescapeMountPath(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/**
 * Reap the dead builds' dirs in `base` named PREFIX plus mkdtemp's six characters (so `buildctl-` matches
 * `buildctl-AbC123` and, with its own prefix, `buildctl-state-AbC123`). Only those names are stat'ed: a shared
 * $TMPDIR can hold thousands of other `buildctl-*` entries. Returns the dirs removed; problems are not errors.
 */
export async function reapDeadDirs(base: string, prefix: string): Promise<string[]> {
  const names = await readdir(base).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of names.filter((n) => isSessionDirName(n, prefix))) {
    const dir = path.join(base, name);
    try {
      const st = await stat(dir);
      if (!st.isDirectory() || st.uid !== process.getuid?.() || !(await ownerGone(dir))) continue;
      await killAllContainers(path.join(dir, 'runc')).catch(() => undefined);
      for (const m of (await mountsUnder(dir)).sort((a, b) => b.length - a.length)) await unmount(m).catch(() => undefined);
      if ((await mountsUnder(dir)).length > 0) continue;
      await rm(dir, { recursive: true, force: true });
      removed.push(dir);
    } catch {
      // another build reaps it at the same time, or it is not ours to touch: leave it
    }
  }
  return removed;
}
