/** /dev/net/tun, which slirp4netns opens as the user (only checked with --oci-worker-net=slirp4netns). */
import { closeSync, constants, openSync } from 'node:fs';
import { fail, pass, type CheckResult, type DoctorContext } from './types.js';

export const TUN = '/dev/net/tun';

export function checkTun(ctx: DoctorContext, file = TUN): CheckResult {
  try {
    closeSync(openSync(file, constants.O_RDWR));
    return pass('tun', `${file} opens read-write`);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    if (code === 'ENOENT') {
      return fail('tun', `${file} does not exist`, { fix: `${ctx.sudo}mkdir -p /dev/net && ${ctx.sudo}mknod -m 0666 ${file} c 10 200` });
    }
    if (code === 'EACCES' || code === 'EPERM') {
      return fail('tun', `${file} cannot be opened read-write by uid ${ctx.user.uid} (${code})`, { fix: `${ctx.sudo}chmod 0666 ${file}` });
    }
    return fail('tun', `${file} cannot be opened (${code}): no tun driver?`, { fix: `${ctx.sudo}modprobe tun` });
  }
}
