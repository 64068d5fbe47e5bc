/**
 * The open-files limit a container may get. runc sets rlimits with setrlimit(2) as the caller, so asking for more
 * than our own hard limit fails ("error setting rlimit type 7: operation not permitted") unless we have
 * CAP_SYS_RESOURCE, which root on CI machines often lacks (measured: hard limit 20000 here).
 */
import { readFile } from 'node:fs/promises';

/** What Docker/containerd hosts commonly give containers; we never go above the caller's hard limit. */
const WANTED_NOFILE = 1048576;

let cached: Promise<number> | undefined;

/** Hard RLIMIT_NOFILE of this process from /proc/self/limits ("unlimited" => WANTED_NOFILE). Read once. */
export function hardNofileLimit(): Promise<number> {
  cached ??= readFile('/proc/self/limits', 'utf8').then(parseHardNofile);
  return cached;
}

export function parseHardNofile(limits: string): number {
  const line = limits.split('\n').find((l) => l.startsWith('Max open files'));
  const hard = line?.slice('Max open files'.length).trim().split(/\s+/)[1];
  if (hard === undefined) throw new Error('no "Max open files" line in /proc/self/limits');
  return hard === 'unlimited' ? WANTED_NOFILE : Number(hard);
}

/** soft = hard = min(WANTED_NOFILE, caller's hard limit). */
export async function containerNofile(): Promise<{ soft: number; hard: number }> {
  const n = Math.min(WANTED_NOFILE, await hardNofileLimit());
  return { soft: n, hard: n };
}
