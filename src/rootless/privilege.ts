/**
 * Which mode this process can build in, read from /proc/self (no spawning):
 *   'root'      uid 0 with CAP_SYS_ADMIN and the identity uid_map: mounts, runc and ownership work directly.
 *   'userns'    uid 0 inside rootlesskit's user namespace (ROOTLESSKIT_STATE_DIR is set): the rootless mode.
 *   'needs-rootlesskit'  anything else (a plain user; root without CAP_SYS_ADMIN or in a non-identity
 *               user namespace, as in an unprivileged container): the build must be re-run under rootlesskit.
 */
import { readFileSync } from 'node:fs';

export type PrivilegeMode = 'root' | 'userns' | 'needs-rootlesskit';

export interface Privilege {
  readonly mode: PrivilegeMode;
  readonly uid: number;
  /** The uid_map lines as [inside, outside, count] triples. */
  readonly uidMap: readonly IdRange[];
  readonly gidMap: readonly IdRange[];
  readonly capSysAdmin: boolean;
  /** Why the mode is 'needs-rootlesskit' (for messages). */
  readonly reason?: string;
}

export interface IdRange { readonly inside: number; readonly outside: number; readonly count: number }

const CAP_SYS_ADMIN = 21n;

export function parseIdMap(text: string): IdRange[] {
  return text.split('\n').map((l) => l.trim().split(/\s+/).map(Number)).filter((f) => f.length === 3 && f.every(Number.isFinite))
    .map(([inside, outside, count]) => ({ inside: inside!, outside: outside!, count: count! }));
}

/** True for the initial user namespace's map: 0 0 4294967295. */
export function isIdentityMap(map: readonly IdRange[]): boolean {
  return map.length === 1 && map[0]!.inside === 0 && map[0]!.outside === 0 && map[0]!.count === 4294967295;
}

export function capEffective(status: string): bigint {
  const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(status);
  return m ? BigInt(`0x${m[1]}`) : 0n;
}

export function detectPrivilege(env: NodeJS.ProcessEnv = process.env): Privilege {
  const uid = process.getuid?.() ?? -1;
  const uidMap = parseIdMap(readFileSync('/proc/self/uid_map', 'utf8'));
  const gidMap = parseIdMap(readFileSync('/proc/self/gid_map', 'utf8'));
  const capSysAdmin = ((capEffective(readFileSync('/proc/self/status', 'utf8')) >> CAP_SYS_ADMIN) & 1n) === 1n;
  const base = { uid, uidMap, gidMap, capSysAdmin };
  if (uid === 0 && capSysAdmin && isIdentityMap(uidMap)) return { mode: 'root', ...base };
  if (uid === 0 && capSysAdmin && env['ROOTLESSKIT_STATE_DIR']) return { mode: 'userns', ...base };
  const reason = uid !== 0 ? `running as uid ${uid}, not root`
    : !capSysAdmin ? 'running as root without CAP_SYS_ADMIN (an unprivileged container)'
    : 'running as root in a user namespace that rootlesskit did not make';
  return { mode: 'needs-rootlesskit', ...base, reason };
}

/** The host uid that uid 0 maps to (the invoking user, in rootless mode). */
export function hostUidOfRoot(map: readonly IdRange[]): number | undefined {
  const r = map.find((m) => m.inside === 0);
  return r?.outside;
}
