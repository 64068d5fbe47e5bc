/**
 * Can a fresh /proc be mounted in a new PID namespace (what runc does for every RUN)? Not in an unprivileged
 * container whose /proc has masked paths (Docker binds /dev/null over /proc/kcore, /proc/keys, ...): those mounts
 * are locked in a user namespace and the kernel refuses a /proc that would reveal what they hide. Then RUN needs
 * --oci-worker-no-process-sandbox (no PID namespace, the container sees the host's /proc), as BuildKit documents
 * for moby/buildkit:rootless.
 */
import { lastLine, probe } from './exec.js';
import { usernsFailureFix } from './userns-sysctl.js';
import { fail, pass, type CheckResult, type DoctorContext } from './types.js';

export const NO_SANDBOX_FIX = 'export BUILDKITD_FLAGS="$BUILDKITD_FLAGS --oci-worker-no-process-sandbox"   (or: buildctl --oci-worker-no-process-sandbox build ...)';

export async function checkProcMount(ctx: DoctorContext): Promise<CheckResult> {
  const name = 'proc-mount';
  const userns = ctx.rootless && ctx.privilege.mode !== 'userns' ? ['--user', '--map-root-user'] : [];
  const r = await probe('unshare', [...userns, '--mount', '--pid', '--fork', '--mount-proc', 'true'], { env: ctx.env });
  const where = userns.length > 0 ? 'a new PID namespace of a user namespace' : 'a new PID namespace';
  if (r.code === 0) return pass(name, `a fresh /proc mounts in ${where}`);
  const err = lastLine(r.stderr);
  const sandboxOff = ctx.opts.noProcessSandbox === true;
  if (/unshare failed/.test(err)) {
    return fail(name, `cannot create a user namespace to test /proc: ${err}`, { fix: usernsFailureFix(ctx), fatal: !sandboxOff });
  }
  if (sandboxOff) {
    return fail(name, `a fresh /proc cannot be mounted in ${where} (${err}) (not fatal: --oci-worker-no-process-sandbox is given)`, { fatal: false });
  }
  return fail(name, `a fresh /proc cannot be mounted in ${where} (${err}): RUN needs --oci-worker-no-process-sandbox`, { fix: NO_SANDBOX_FIX });
}
