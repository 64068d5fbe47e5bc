/**
 * `buildctl doctor`: is this machine ready for builds in the default mode (root, or rootless through
 * rootlesskit) with the given global flags? Each check is its own function returning a CheckResult, so a
 * build error can run the one that explains it; runDoctor runs them all, in a fixed order.
 */
import os from 'node:os';
import { ephemeralBase } from '../ephemeral/session.js';
import { detectPrivilege, type Privilege } from '../rootless/privilege.js';
import { checkIdMapTool } from './idmap-tools.js';
import { checkProcMount } from './proc-mount.js';
import { checkRootlesskitStarts } from './rootlesskit-start.js';
import { checkOverlay, checkStateDir, stateLocation } from './storage.js';
import { checkMappedIds, checkSubIds } from './subids.js';
import { checkRootlesskit, checkRunc, checkSlirp4netns } from './tools.js';
import { checkTun } from './tun.js';
import { checkMaxUserNamespaces, checkUnprivilegedUsernsClone } from './userns-sysctl.js';
import { pass, type CheckResult, type DoctorContext, type DoctorOptions, type DoctorReport } from './types.js';

export { DOCTOR_HINT } from '../rootless/rootlesskit-stderr.js';

export type { CheckResult, DoctorContext, DoctorOptions, DoctorReport, NetMode, Snapshotter } from './types.js';
export { formatCheck, formatReport, summary } from './format.js';
export { checkIdMapTool } from './idmap-tools.js';
export { checkProcMount } from './proc-mount.js';
export { checkRootlesskitStarts } from './rootlesskit-start.js';
export { checkOverlay, checkStateDir, stateLocation } from './storage.js';
export { checkMappedIds, checkSubIds } from './subids.js';
export { checkRootlesskit, checkRunc, checkSlirp4netns } from './tools.js';
export { checkTun } from './tun.js';
export { checkMaxUserNamespaces, checkUnprivilegedUsernsClone } from './userns-sysctl.js';

function userName(): string | undefined {
  try {
    return os.userInfo().username;
  } catch {
    return undefined; // no passwd entry (a random uid in a container)
  }
}

export function doctorContext(opts: DoctorOptions = {}, privilege: Privilege = detectPrivilege(opts.env ?? process.env)): DoctorContext {
  const uid = process.getuid?.() ?? -1;
  const name = userName();
  return {
    privilege,
    rootless: privilege.mode !== 'root',
    user: { uid, gid: process.getgid?.() ?? -1, ...(name !== undefined ? { name } : {}) },
    env: opts.env ?? process.env,
    sudo: uid === 0 ? '' : 'sudo ',
    opts,
  };
}

/**
 * Every check, in this order: runc, rootlesskit, newuidmap, newgidmap, subuid, subgid, max_user_namespaces,
 * [unprivileged_userns_clone where the kernel has it], [tun, slirp4netns with --oci-worker-net=slirp4netns],
 * rootlesskit-start, state-dir, overlayfs, proc-mount. With full privileges (or already inside rootlesskit) the
 * rootless-only ones are PASS "not needed ..." (inside rootlesskit, subuid/subgid check the namespace's maps), so
 * the list of names only depends on the flags and the kernel.
 */
export async function runDoctor(opts: DoctorOptions = {}): Promise<DoctorReport> {
  const ctx = doctorContext(opts);
  const base = ephemeralBase(ctx.env);
  const needsRootlesskit = ctx.privilege.mode === 'needs-rootlesskit';
  const why = ctx.rootless ? 'not needed: already inside rootlesskit' : 'not needed as root';
  const skip = (name: string): CheckResult => pass(name, why);
  const checks: CheckResult[] = [await checkRunc(ctx)];
  const prereqs: CheckResult[] = needsRootlesskit
    ? [checkRootlesskit(ctx), await checkIdMapTool(ctx, 'newuidmap'), await checkIdMapTool(ctx, 'newgidmap'), ...checkSubIds(ctx), checkMaxUserNamespaces(ctx)]
    : [...['rootlesskit', 'newuidmap', 'newgidmap'].map(skip), ...(ctx.rootless ? checkMappedIds(ctx) : ['subuid', 'subgid'].map(skip)), skip('max_user_namespaces')];
  const clone = checkUnprivilegedUsernsClone(ctx);
  if (clone !== undefined) prereqs.push(needsRootlesskit ? clone : skip(clone.name));
  if (opts.net === 'slirp4netns') prereqs.push(checkTun(ctx), await checkSlirp4netns(ctx));
  checks.push(...prereqs);
  checks.push(needsRootlesskit ? await checkRootlesskitStarts(ctx, { base, prior: prereqs }) : skip('rootlesskit-start'));
  const loc = stateLocation(opts.root, base);
  checks.push(await checkStateDir(ctx, loc), await checkOverlay(ctx, loc), await checkProcMount(ctx));
  return { privilege: ctx.privilege, mode: ctx.rootless ? 'rootless' : 'root', checks, ok: !checks.some((c) => c.fatal) };
}
