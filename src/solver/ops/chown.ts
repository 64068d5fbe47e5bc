/**
 * COPY/ADD --chown and WORKDIR ownership: "user[:group]" resolved against the destination's /etc/passwd and
 * /etc/group (BuildKit semantics: a name gives its primary group; a bare numeric uid gives gid = uid).
 */
import { resolveUser } from '../../runtime/index.js';
import type { ChownOpt } from '../../fileop/index.js';

export async function resolveChown(root: string, spec: string | undefined): Promise<ChownOpt | undefined> {
  if (spec === undefined || spec === '') return undefined;
  const [user = '', group] = spec.split(':', 2);
  if (/^[0-9]+$/.test(user) && group === undefined) return { uid: Number(user), gid: Number(user) };
  const resolved = await resolveUser(root, spec);
  return { uid: resolved.uid, gid: resolved.gid };
}
