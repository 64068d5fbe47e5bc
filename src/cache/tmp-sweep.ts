/**
 * Work dirs left in a state dir's tmp/ by a build that was killed (SIGKILL, OOM, power loss): a pending layer
 * is never published, so nothing uses it, but it would take space forever. Their names carry the owner
 * (`<kind>-<pid>-<start time>-XXXXXX`, ownedTempPrefix), so a later build removes those whose owner is gone.
 * Never removes anything with a mount on or under it (a leftover overlay of the dead build): rm through a
 * mount could reach into the layers below it.
 */
import { readFile, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { processStartTime } from './locks.js';

/** A mkdtemp prefix naming this process as the owner, e.g. tmp/layer-1234-98765-. */
export function ownedTempPrefix(dir: string, kind: string): string {
  return path.join(dir, `${kind}-${process.pid}-${processStartTime(process.pid) ?? '0'}-`);
}

const OWNED_RE = /^[a-z]+-(\d+)-(\d+)-[A-Za-z0-9]{6}$/;

/** Remove the entries of `dir` whose owner process is gone. Returns the names removed. */
export async function sweepDeadTemps(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const dead = names.filter((n) => {
    const m = OWNED_RE.exec(n);
    return m !== null && processStartTime(Number(m[1])) !== m[2];
  });
  if (dead.length === 0) return [];
  const mounts = (await readFile('/proc/self/mountinfo', 'utf8').catch(() => '')).split('\n').map((l) => l.split(' ')[4] ?? '');
  const removed: string[] = [];
  for (const n of dead) {
    const p = path.join(dir, n);
    if (mounts.some((m) => unescape(m) === p || unescape(m).startsWith(p + '/'))) continue;
    await rm(p, { recursive: true, force: true });
    removed.push(n);
  }
  return removed;
}

function unescape(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}
