/**
 * Owner, mode and times of written entries, as fsutil's copyFileInfo/Utimes do them: chown first
 * (it clears setuid bits), then chmod (never on a symlink), then times without following a symlink.
 * Times go through Node's lutimes, which takes float seconds: sub-microsecond digits are lost.
 */
import { chmod, lchown, lutimes } from 'node:fs/promises';
import type { BigIntStats } from 'node:fs';
import type { ChownOpt } from './types.js';

/** Default umask of dockerd/buildkitd, applied explicitly so our results do not depend on the process umask. */
export const DAEMON_UMASK = 0o022;

export interface InfoOptions {
  chown?: ChownOpt | undefined;
  /** Replaces the permission bits (0o7777) when set. */
  mode?: number | undefined;
  /** Seconds; replaces the source atime/mtime when set. */
  timestamp?: number | undefined;
}

/** Give `target` the metadata of the source entry `st`, overridden by opts. */
export async function copyFileInfo(target: string, st: BigIntStats, opts: InfoOptions): Promise<void> {
  const uid = opts.chown?.uid ?? Number(st.uid);
  const gid = opts.chown?.gid ?? Number(st.gid);
  await lchown(target, uid, gid);
  if (!st.isSymbolicLink()) {
    const mode = opts.mode !== undefined ? opts.mode & 0o7777 : Number(st.mode) & 0o7777;
    await chmod(target, mode);
  }
  await copyTimes(target, st, opts.timestamp);
}

/** Source times (or the override) onto target, without following a symlink. */
export async function copyTimes(target: string, st: BigIntStats, timestamp: number | undefined): Promise<void> {
  if (timestamp !== undefined) { await lutimes(target, timestamp, timestamp); return; }
  await lutimes(target, nsToSeconds(st.atimeNs), nsToSeconds(st.mtimeNs));
}

/** fsutil's Chown + Utimes on an entry the operation created itself (no source to copy from). */
export async function ownAndTime(target: string, opts: { chown?: ChownOpt | undefined; timestamp?: number | undefined }): Promise<void> {
  if (opts.chown) await lchown(target, opts.chown.uid, opts.chown.gid);
  if (opts.timestamp !== undefined) await lutimes(target, opts.timestamp, opts.timestamp);
}

function nsToSeconds(ns: bigint): number {
  const s = ns / 1_000_000_000n;
  return Number(s) + Number(ns - s * 1_000_000_000n) / 1e9;
}
