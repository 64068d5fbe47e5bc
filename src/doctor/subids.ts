/**
 * /etc/subuid and /etc/subgid: the ids rootlesskit maps to 1..N in the user namespace. Lines are
 * `NAME_OR_UID:START:COUNT`; every line naming the user (by name or by uid) adds up, as shadow's getsubids and
 * rootlesskit read them. Fewer than 65536 ids breaks images whose files are owned by higher ids (nobody is 65534)
 * and `useradd` in a RUN; BuildKit's rootless docs ask for 65536 too.
 */
import { readFileSync } from 'node:fs';
import { isErrno } from '../errors.js';
import { fail, pass, type CheckResult, type DoctorContext } from './types.js';

export const WANTED_IDS = 65536;
/** useradd's SUB_UID_MIN: free ranges are looked for from here. */
const SUB_MIN = 100000;

export interface SubIdEntry { readonly owner: string; readonly start: number; readonly count: number }

export function parseSubIds(text: string): SubIdEntry[] {
  const out: SubIdEntry[] = [];
  for (const line of text.split('\n')) {
    const [owner, start, count] = line.trim().split(':');
    if (owner === undefined || owner === '' || owner.startsWith('#') || !/^\d+$/.test(start ?? '') || !/^\d+$/.test(count ?? '')) continue;
    out.push({ owner, start: Number(start), count: Number(count) });
  }
  return out;
}

/** The user's entries: lines naming its login name or its uid in decimal. */
export function entriesFor(entries: readonly SubIdEntry[], user: { uid: number; name?: string }): SubIdEntry[] {
  return entries.filter((e) => e.owner === String(user.uid) || (user.name !== undefined && e.owner === user.name));
}

/** A range of COUNT ids used by nobody in any of the files: from the highest end in use (at least 100000). */
export function freeRange(all: readonly SubIdEntry[], count = WANTED_IDS): { first: number; last: number } {
  const first = all.reduce((m, e) => Math.max(m, e.start + e.count), SUB_MIN);
  return { first, last: first + count - 1 };
}

/** Reads a subid file; undefined when it does not exist. */
export function readSubIdFile(file: string): SubIdEntry[] | undefined {
  try {
    return parseSubIds(readFileSync(file, 'utf8'));
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return undefined;
    throw e;
  }
}

export interface SubIdFiles { readonly subuid: string; readonly subgid: string }
export const SUBID_FILES: SubIdFiles = { subuid: '/etc/subuid', subgid: '/etc/subgid' };

/** Both checks, `subuid` and `subgid`; a fix adds one free 65536-id range (the same numbers in both files). */
export function checkSubIds(ctx: DoctorContext, files: SubIdFiles = SUBID_FILES): CheckResult[] {
  const uid = readSubIdFile(files.subuid);
  const gid = readSubIdFile(files.subgid);
  const range = freeRange([...(uid ?? []), ...(gid ?? [])]);
  const who = ctx.user.name !== undefined ? `${ctx.user.name} (uid ${ctx.user.uid})` : `uid ${ctx.user.uid} (no passwd entry)`;
  const fixFor = (kinds: ReadonlyArray<'subuid' | 'subgid'>): string => {
    const span = `${range.first}-${range.last}`;
    const missingFiles = kinds.map((k) => files[k]).filter((f, i) => (kinds[i] === 'subuid' ? uid : gid) === undefined);
    const touch = missingFiles.length > 0 ? `${ctx.sudo}touch ${missingFiles.join(' ')} && ` : '';
    if (ctx.user.name === undefined) {
      return `echo "${ctx.user.uid}:${range.first}:${WANTED_IDS}" | ${ctx.sudo}tee -a ${kinds.map((k) => files[k]).join(' ')}`;
    }
    const flags = kinds.map((k) => (k === 'subuid' ? `--add-subuids ${span}` : `--add-subgids ${span}`)).join(' ');
    return `${touch}${ctx.sudo}usermod ${flags} ${ctx.user.name}`;
  };
  const results = (['subuid', 'subgid'] as const).map((kind) => {
    const entries = kind === 'subuid' ? uid : gid;
    const file = files[kind];
    if (entries === undefined) return { kind, result: fail(kind, `${file} does not exist: no ids to map for ${who}`) };
    const mine = entriesFor(entries, ctx.user);
    const width = mine.reduce((n, e) => n + e.count, 0);
    const spans = mine.map((e) => `${e.start}-${e.start + e.count - 1}`).join(', ');
    if (width === 0) return { kind, result: fail(kind, `no range for ${who} in ${file}`) };
    if (width < WANTED_IDS) {
      return { kind, result: fail(kind, `${who} has ${width} ids in ${file} (${spans}), fewer than ${WANTED_IDS}: files owned by ids above ${width} cannot exist in a build`) };
    }
    return { kind, result: pass(kind, `${who}: ${width} ids (${spans})`) };
  });
  const failing = results.filter((r) => !r.result.ok).map((r) => r.kind);
  if (failing.length === 0) return results.map((r) => r.result);
  const fix = fixFor(failing);
  return results.map((r) => (r.result.ok ? r.result : { ...r.result, fix }));
}

/**
 * Already inside rootlesskit (mode 'userns'): the ranges are the namespace's uid_map/gid_map. 0 -> the user plus
 * 65536 subordinate ids is what a full /etc/subuid range gives.
 */
export function checkMappedIds(ctx: DoctorContext): CheckResult[] {
  return (['subuid', 'subgid'] as const).map((kind) => {
    const map = kind === 'subuid' ? ctx.privilege.uidMap : ctx.privilege.gidMap;
    const ids = map.reduce((n, r) => n + r.count, 0);
    const file = kind === 'subuid' ? 'uid_map' : 'gid_map';
    if (ids >= WANTED_IDS + 1) return pass(kind, `inside rootlesskit: ${ids} ids in /proc/self/${file}`);
    return fail(kind, `inside rootlesskit: only ${ids} ids in /proc/self/${file}, fewer than ${WANTED_IDS + 1}`,
      { fix: `run "buildctl doctor" outside rootlesskit for the usermod command that widens /etc/${kind}` });
  });
}
