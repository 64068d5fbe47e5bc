/**
 * The sysctls that gate unprivileged user namespaces: user.max_user_namespaces (0 forbids creating one; the
 * value read is this namespace's own limit) and, on Debian/Ubuntu kernels that have it,
 * kernel.unprivileged_userns_clone (0 forbids it to non-root users).
 */
import { readFileSync } from 'node:fs';
import { isErrno } from '../errors.js';
import { fail, pass, type CheckResult, type DoctorContext } from './types.js';

export const MAX_USER_NAMESPACES = '/proc/sys/user/max_user_namespaces';
export const UNPRIVILEGED_USERNS_CLONE = '/proc/sys/kernel/unprivileged_userns_clone';

function readNumber(file: string): number | undefined {
  try {
    return Number(readFileSync(file, 'utf8').trim());
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return undefined;
    throw e;
  }
}

export const maxUserNamespacesFix = (ctx: DoctorContext): string => `${ctx.sudo}sysctl -w user.max_user_namespaces=28633`;
export const usernsCloneFix = (ctx: DoctorContext): string => `${ctx.sudo}sysctl -w kernel.unprivileged_userns_clone=1`;

export function checkMaxUserNamespaces(ctx: DoctorContext, file = MAX_USER_NAMESPACES): CheckResult {
  const n = readNumber(file);
  if (n === undefined) return fail('max_user_namespaces', `${file} does not exist: this kernel has no user namespaces`, { fix: 'use a kernel built with CONFIG_USER_NS=y' });
  if (!(n > 0)) return fail('max_user_namespaces', `${file} is ${n}: no user namespace can be created`, { fix: maxUserNamespacesFix(ctx) });
  return pass('max_user_namespaces', String(n));
}

/** Undefined when the kernel has no such sysctl (mainline kernels): then the check is not printed. */
export function checkUnprivilegedUsernsClone(ctx: DoctorContext, file = UNPRIVILEGED_USERNS_CLONE): CheckResult | undefined {
  const n = readNumber(file);
  if (n === undefined) return undefined;
  if (n !== 1) return fail('unprivileged_userns_clone', `${file} is ${n}: users other than root cannot create user namespaces`, { fix: usernsCloneFix(ctx) });
  return pass('unprivileged_userns_clone', '1');
}

/**
 * The fix when creating a user namespace failed (unshare: "unshare failed: ..."): the sysctl that forbids it,
 * else a container's seccomp/AppArmor profile (Docker's default refuses unshare(CLONE_NEWUSER)).
 */
export function usernsFailureFix(ctx: DoctorContext): string {
  const max = readNumber(MAX_USER_NAMESPACES);
  if (max !== undefined && max <= 0) return maxUserNamespacesFix(ctx);
  if (readNumber(UNPRIVILEGED_USERNS_CLONE) === 0) return usernsCloneFix(ctx);
  return 'in a container: docker run --security-opt seccomp=unconfined --security-opt apparmor=unconfined ...';
}
