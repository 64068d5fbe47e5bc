/**
 * newuidmap and newgidmap (package uidmap): rootlesskit runs them (found through PATH) to write the user
 * namespace's uid/gid maps from /etc/subuid and /etc/subgid. They must be setuid root, or carry the file
 * capability cap_setuid (newuidmap) / cap_setgid (newgidmap), and must not sit on a nosuid mount.
 */
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { SBIN_DIRS, probe, which } from './exec.js';
import { missingToolFix } from './tools.js';
import { fail, pass, type CheckResult, type DoctorContext } from './types.js';

/**
 * True when getcap's output grants CAP (e.g. "cap_setuid") effective and permitted. Formats: libcap >= 2.30
 * prints `/usr/bin/newuidmap cap_setuid=ep`, older ones `/usr/bin/newuidmap = cap_setuid+ep`; `=ep` alone is all caps.
 */
export function getcapGrants(output: string, cap: string): boolean {
  const text = output.trim().replace(/^\S+\s+(=\s+)?/, '');
  for (const clause of text.split(/\s+/)) {
    const m = /^([a-z_,]*)([=+])([eip]+)$/.exec(clause);
    if (m === null) continue;
    const caps = m[1] === '' ? ['all'] : m[1]!.split(',');
    if ((caps.includes(cap) || caps.includes('all')) && m[3]!.includes('e') && m[3]!.includes('p')) return true;
  }
  return false;
}

const CAP_BITS = { cap_setgid: 6, cap_setuid: 7 } as const;

/**
 * True when a `security.capability` xattr value (struct vfs_cap_data, little endian: magic_etc with the
 * effective flag in bit 0, then permitted/inheritable low words, high words, and for v3 the root id) grants CAP
 * effective and permitted. Read with getfattr (package attr, which the tool needs anyway), so getcap is optional.
 */
export function fileCapsGrant(value: Buffer, cap: keyof typeof CAP_BITS): boolean {
  if (value.length < 12) return false;
  const magic = value.readUInt32LE(0);
  const effective = (magic & 1) === 1;
  const permittedLow = value.readUInt32LE(4);
  return effective && ((permittedLow >>> CAP_BITS[cap]) & 1) === 1;
}

async function securityCapability(ctx: DoctorContext, file: string): Promise<Buffer | undefined> {
  const getfattr = which('getfattr', ctx.env['PATH']) ?? which('getfattr', SBIN_DIRS.join(':'));
  if (getfattr === undefined) return undefined;
  const r = await probe(getfattr, ['--absolute-names', '-e', 'hex', '-n', 'security.capability', file], { env: ctx.env });
  const hex = /^security\.capability=0x([0-9a-f]+)$/im.exec(r.stdout)?.[1];
  return r.code === 0 && hex !== undefined ? Buffer.from(hex, 'hex') : undefined;
}

/** The mount point and options of the mount holding FILE (longest mount point prefix in /proc/self/mountinfo). */
export function mountOf(file: string, mountinfo = readFileSync('/proc/self/mountinfo', 'utf8')): { point: string; options: string[] } | undefined {
  let best: { point: string; options: string[] } | undefined;
  for (const line of mountinfo.split('\n')) {
    const f = line.split(' ');
    const point = (f[4] ?? '').replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
    if (point === '' || !(file === point || file.startsWith(point === '/' ? '/' : `${point}/`))) continue;
    if (best === undefined || point.length >= best.point.length) best = { point, options: (f[5] ?? '').split(',') };
  }
  return best;
}

export async function checkIdMapTool(ctx: DoctorContext, tool: 'newuidmap' | 'newgidmap'): Promise<CheckResult> {
  const cap = tool === 'newuidmap' ? 'cap_setuid' : 'cap_setgid';
  const bin = which(tool, ctx.env['PATH']);
  if (bin === undefined) return fail(tool, `${tool} is not installed (not found on PATH)`, { fix: missingToolFix(ctx, [[tool, 'uidmap']]) });
  const real = realpathSync(bin);
  const st = statSync(real);
  const shown = real === bin ? bin : `${bin} -> ${real}`;
  const mount = mountOf(real);
  if (mount?.options.includes('nosuid')) {
    return fail(tool, `${shown} is on a nosuid mount (${mount.point}): its setuid bit and capabilities do not apply`,
      { fix: `${ctx.sudo}mount -o remount,suid ${mount.point}` });
  }
  if (st.uid === 0 && (st.mode & 0o4000) !== 0) return pass(tool, `${shown} (setuid root)`);
  const caps = await securityCapability(ctx, real);
  if (caps !== undefined && fileCapsGrant(caps, cap)) return pass(tool, `${shown} (file capability ${cap})`);
  const getcap = which('getcap', ctx.env['PATH']) ?? which('getcap', SBIN_DIRS.join(':'));
  if (getcap !== undefined) {
    const r = await probe(getcap, [real], { env: ctx.env });
    if (r.code === 0 && getcapGrants(r.stdout, cap)) return pass(tool, `${shown} (file capability ${cap})`);
  }
  const mode = (st.mode & 0o7777).toString(8).padStart(4, '0');
  const owner = st.uid === 0 ? 'root' : `uid ${st.uid}`;
  const how = `no ${cap} file capability`;
  const chown = st.uid === 0 ? '' : `${ctx.sudo}chown root:root ${real} && `;
  return fail(tool, `${shown} is not setuid root (mode ${mode}, owner ${owner}, ${how}): it cannot write the id maps`,
    { fix: `${chown}${ctx.sudo}chmod u+s ${real}` });
}
