/**
 * Entitlements (BuildKit's util/entitlements): RUN --network=host needs `--allow network.host`, RUN
 * --security=insecure needs `--allow security.insecure`. Checked before anything runs and also for a RUN whose
 * result is cached, as BuildKit validates the whole definition when it loads it.
 */
import { BuildError, type SourceLocation } from '../../errors.js';
import type { Entitlement } from '../../build/request.js';
import type { ExecOp } from '../../llb/ops.js';

export function checkEntitlements(op: ExecOp, allowed: readonly Entitlement[], location?: SourceLocation): void {
  const need: { ent: Entitlement; what: string }[] = [];
  if (op.network === 'host') need.push({ ent: 'network.host', what: 'RUN --network=host' });
  if (op.security === 'insecure') need.push({ ent: 'security.insecure', what: 'RUN --security=insecure' });
  for (const n of need) {
    if (allowed.includes(n.ent)) continue;
    throw new BuildError('BK0012', `${n.what}: entitlement ${n.ent} is not allowed`, {
      hint: `pass --allow ${n.ent} to grant it`, ...(location ? { location } : {}),
    });
  }
}
