/**
 * Owner, mode and times of written entries, as fsutil's copyFileInfo/Utimes do them: chown first
 * (it clears setuid bits), then chmod (never on a symlink), then times without following a symlink.
 * Synchronous on purpose (see yielder.ts). Times go through Node's lutimes, which takes float seconds:
 * digits below about a microsecond are lost.
 */
import { chmodSync, lchownSync, lutimesSync, type BigIntStats } from 'node:fs';
import type { ModeSpec } from './mode-set.js';
import type { ChownOpt } from './types.js';

/** Default umask of dockerd/buildkitd, applied explicitly so our results do not depend on the process umask. */
export const DAEMON_UMASK = 0o022;

export interface InfoOptions {
  chown?: ChownOpt | undefined;
  /** --chmod: gives the permission bits (0o7777) from the source's, octal or symbolic. */
  mode?: ModeSpec | undefined;
  /** Seconds; replaces the source atime/mtime when set. */
  timestamp?: number | undefined;
}

/**
 * Give `target` the metadata of the source entry `st`, overridden by opts. `ownedBy`: the owner target has
 * already (an entry just created, see Copier.ownedBy); the chown is skipped when it is the wanted one.
 */
export function copyFileInfo(target: string, st: BigIntStats, opts: InfoOptions, ownedBy?: { uid: number; gid: number }): void {
  const uid = opts.chown?.uid ?? Number(st.uid);
  const gid = opts.chown?.gid ?? Number(st.gid);
  if (ownedBy?.uid !== uid || ownedBy.gid !== gid) lchownSync(target, uid, gid);
  if (!st.isSymbolicLink()) {
    const perm = Number(st.mode & 0o7777n);
    chmodSync(target, opts.mode !== undefined ? opts.mode.apply(perm, st.isDirectory()) : perm);
  }
  copyTimes(target, st, opts.timestamp);
}

/** Source times (or the override) onto target, without following a symlink. */
export function copyTimes(target: string, st: BigIntStats, timestamp: number | undefined): void {
  if (timestamp !== undefined) lutimesSync(target, timestamp, timestamp);
  else lutimesSync(target, nsToSeconds(st.atimeNs), nsToSeconds(st.mtimeNs));
}

/** fsutil's Chown + Utimes on an entry the operation created itself (no source to copy from). */
export function ownAndTime(target: string, opts: { chown?: ChownOpt | undefined; timestamp?: number | undefined }): void {
  if (opts.chown) lchownSync(target, opts.chown.uid, opts.chown.gid);
  if (opts.timestamp !== undefined) lutimesSync(target, opts.timestamp, opts.timestamp);
}

function nsToSeconds(ns: bigint): number {
  const s = ns / 1_000_000_000n;
  return Number(s) + Number(ns - s * 1_000_000_000n) / 1e9;
}
