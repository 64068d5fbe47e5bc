/**
 * Resolve a Dockerfile USER ("name", "uid", "name:group", "uid:gid", "uid:group", ...) to numeric ids from the
 * rootfs's /etc/passwd and /etc/group, with the semantics of runc's libcontainer/user GetExecUser as BuildKit
 * calls it (executor/oci/user.go):
 * - "" (no USER) is root 0:0; "uid:gid" with both numeric needs no files and gets no supplementary groups.
 * - a numeric user that has no passwd entry is that uid with gid 0; a name without an entry is an error.
 * - supplementary groups are the /etc/group entries that list the user's name, and only when no group was given.
 * The files are read through resolveInRoot so a symlinked /etc/passwd can never point outside the rootfs.
 */
import { readFile } from 'node:fs/promises';
import { ExecError, isErrno } from '../errors.js';
import { resolveInRoot } from '../snapshot/chroot-path.js';
import type { ResolvedUser } from './types.js';

interface PasswdEntry { name: string; uid: number; gid: number }
interface GroupEntry { name: string; gid: number; members: string[] }

/** exitCode -1 on ExecError: the process never started. */
const NOT_STARTED = -1;

export async function resolveUser(rootfs: string, user: string | undefined): Promise<ResolvedUser> {
  const spec = user ?? '';
  if (spec === '') return { uid: 0, gid: 0, additionalGids: [] };
  const colon = spec.indexOf(':');
  const userArg = colon < 0 ? spec : spec.slice(0, colon);
  const groupArg = colon < 0 ? '' : spec.slice(colon + 1);
  const uidArg = parseId(userArg);
  const gidArg = parseId(groupArg);
  if (uidArg !== undefined && gidArg !== undefined) return { uid: uidArg, gid: gidArg, additionalGids: [] };

  const passwd = parsePasswd(await readRootFile(rootfs, '/etc/passwd'));
  const match = passwd.find((u) => (uidArg !== undefined ? u.uid === uidArg : u.name === userArg));
  let uid: number;
  let gid = 0;
  let name = '';
  if (match) {
    ({ uid, gid, name } = match);
  } else if (uidArg !== undefined) {
    uid = uidArg;
  } else {
    throw new ExecError(`unable to find user ${userArg}: no matching entries in passwd file`, NOT_STARTED);
  }
  if (groupArg === '' && name === '') return { uid, gid, additionalGids: [] };

  const groups = parseGroup(await readRootFile(rootfs, '/etc/group'));
  if (groupArg !== '') {
    const g = groups.find((e) => (gidArg !== undefined ? e.gid === gidArg : e.name === groupArg));
    if (g) gid = g.gid;
    else if (gidArg !== undefined) gid = gidArg;
    else throw new ExecError(`unable to find group ${groupArg}: no matching entries in group file`, NOT_STARTED);
    return { uid, gid, additionalGids: [] };
  }
  const additionalGids = groups.filter((g) => g.members.includes(name)).map((g) => g.gid);
  return { uid, gid, additionalGids };
}

/** A decimal id in the range runc accepts (0 .. 2^31-1), else undefined. */
function parseId(s: string): number | undefined {
  if (!/^[0-9]+$/.test(s)) return undefined;
  const n = Number(s);
  return n <= 0x7fffffff ? n : undefined;
}

/** The file's text, or '' when it does not exist (as BuildKit: a missing file has no entries). */
async function readRootFile(rootfs: string, p: string): Promise<string> {
  try {
    return await readFile(await resolveInRoot(rootfs, p), 'utf8');
  } catch (e) {
    if (isErrno(e, 'ENOENT') || isErrno(e, 'ENOTDIR')) return '';
    throw e;
  }
}

function parsePasswd(text: string): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const f of fields(text)) {
    const uid = parseId(f[2] ?? '');
    const gid = parseId(f[3] ?? '');
    if (f[0] && uid !== undefined) out.push({ name: f[0], uid, gid: gid ?? 0 });
  }
  return out;
}

function parseGroup(text: string): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const f of fields(text)) {
    const gid = parseId(f[2] ?? '');
    const members = (f[3] ?? '').split(',').map((m) => m.trim()).filter((m) => m !== '');
    if (f[0] && gid !== undefined) out.push({ name: f[0], gid, members });
  }
  return out;
}

/** Colon-separated fields of each non-empty, non-comment line. */
function fields(text: string): string[][] {
  return text.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#')).map((l) => l.split(':'));
}
