/**
 * A layer file owned by an id that rootlesskit's user namespace does not map cannot be created (tar: "Cannot
 * change ownership to uid 70000, gid 0: Invalid argument"). Say which file and id, and how to widen the range.
 */
import { readFileSync } from 'node:fs';
import { parseIdMap, type IdRange } from './privilege.js';

export interface UnmappedOwner { readonly path: string; readonly uid: number; readonly gid: number }

/** The first "Cannot change ownership" line of GNU tar's stderr, parsed. */
export function findUnmappedOwner(tarStderr: readonly string[]): UnmappedOwner | undefined {
  for (const l of tarStderr) {
    const m = /^tar: (.*): Cannot change ownership to uid (\d+), gid (\d+)/.exec(l);
    if (m) return { path: `/${m[1]!.replace(/^(\.\/)+/, '')}`, uid: Number(m[2]), gid: Number(m[3]) };
  }
  return undefined;
}

/** Ids 0..N-1 that the namespace maps (contiguous from 0, as rootlesskit maps them). */
export function mappedCount(map: readonly IdRange[]): number {
  let n = 0;
  for (const r of [...map].sort((a, b) => a.inside - b.inside)) {
    if (r.inside !== n) break;
    n += r.count;
  }
  return n;
}

/** The next free subordinate id after every range in these files' contents. */
export function nextFreeSubid(...files: string[]): number {
  let end = 100000;
  for (const text of files) {
    for (const line of text.split('\n')) {
      const [, start, count] = line.split(':');
      const e = Number(start) + Number(count);
      if (Number.isFinite(e) && e > end) end = e;
    }
  }
  return end;
}

function readOr(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** Message and hint for the error; reads /proc/self/{uid,gid}_map, /etc/passwd and /etc/sub{u,g}id. */
export function describeUnmappedOwner(o: UnmappedOwner, hostUid: number | undefined): { message: string; hint: string } {
  const uids = mappedCount(parseIdMap(readOr('/proc/self/uid_map')));
  const gids = mappedCount(parseIdMap(readOr('/proc/self/gid_map')));
  const which = o.uid >= uids ? `uid ${o.uid}` : `gid ${o.gid}`;
  const message = `layer file ${o.path} is owned by ${which}, outside the ids this user namespace maps (uids 0-${uids - 1}, gids 0-${gids - 1})`;
  const user = readOr('/etc/passwd').split('\n').map((l) => l.split(':')).find((f) => f[2] === String(hostUid))?.[0] ?? 'USER';
  const need = Math.max(o.uid, o.gid) + 1 - Math.min(uids, gids);
  const width = Math.ceil(need / 65536) * 65536;
  const start = nextFreeSubid(readOr('/etc/subuid'), readOr('/etc/subgid'));
  const range = `${start}-${start + width - 1}`;
  return {
    message,
    hint: `widen /etc/subuid and /etc/subgid: sudo usermod --add-subuids ${range} --add-subgids ${range} ${user}`,
  };
}
