/**
 * Who a state dir belongs to: root builds, or the rootless builds of one host user. Their layer dirs differ (a
 * rootless state dir holds files owned by that user's subuids and overlay metadata in user.* xattrs instead of
 * trusted.*), so one must never be used by the other. The first build writes owner.json; later builds check it.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { EnvironmentError, isErrno } from '../errors.js';
import { writeFileAtomic } from './atomic.js';

export const StateOwnerSchema = Type.Object({
  mode: Type.Union([Type.Literal('root'), Type.Literal('rootless')]),
  /** The host uid of the builds: 0, or the user whose subuids own the files. */
  hostUid: Type.Integer({ minimum: 0 }),
});
export type StateOwner = Static<typeof StateOwnerSchema>;

function describe(o: StateOwner, one: boolean): string {
  if (o.mode === 'root') return one ? 'a root build' : 'root builds';
  return `${one ? 'a rootless build' : 'rootless builds'} of uid ${o.hostUid}`;
}

export async function claimStateDir(root: string, me: StateOwner): Promise<void> {
  const file = path.join(root, 'owner.json');
  let text: string | undefined;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if (!isErrno(e, 'ENOENT')) throw e;
  }
  if (text === undefined) {
    await writeFileAtomic(file, `${JSON.stringify(me)}\n`);
    return;
  }
  let owner: unknown;
  try {
    owner = JSON.parse(text);
  } catch {
    owner = undefined;
  }
  if (!Value.Check(StateOwnerSchema, owner)) {
    throw new EnvironmentError(`state dir ${root}: ${file} is not a valid owner record`, { hint: 'use another --root' });
  }
  if (owner.mode !== me.mode || owner.hostUid !== me.hostUid) {
    throw new EnvironmentError(`state dir ${root} belongs to ${describe(owner, false)} and this is ${describe(me, true)}: root and rootless state dirs are never mixed`, {
      hint: 'use another --root',
    });
  }
}
