/**
 * Who a state dir belongs to and how its layers are stored, fixed by the first build that uses it
 * (owner.json), checked by every later one:
 *  - root builds, or the rootless builds of one host user. A rootless state dir holds files owned by that user's
 *    subuids and overlay metadata in user.* xattrs instead of trusted.*: one must never be used by the other.
 *  - the snapshotter (overlayfs or native): BuildKit keeps one set of snapshots per snapshotter too. Recording it
 *    also means the overlay probe runs once per state dir, not once per build.
 */
import path from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { EnvironmentError } from '../errors.js';
import { writeFileAtomic } from './atomic.js';
import { readTextIfExists } from '../util/fs.js';

export const StateOwnerSchema = Type.Object({
  mode: Type.Union([Type.Literal('root'), Type.Literal('rootless')]),
  /** The host uid of the builds: 0, or the user whose subuids own the files. */
  hostUid: Type.Integer({ minimum: 0 }),
  snapshotter: Type.Union([Type.Literal('overlayfs'), Type.Literal('native')]),
});
export type StateOwner = Static<typeof StateOwnerSchema>;
export type BuildIdentity = Pick<StateOwner, 'mode' | 'hostUid'>;

function describe(o: BuildIdentity, one: boolean): string {
  if (o.mode === 'root') return one ? 'a root build' : 'root builds';
  return `${one ? 'a rootless build' : 'rootless builds'} of uid ${o.hostUid}`;
}

function ownerFile(root: string): string {
  return path.join(root, 'owner.json');
}

/** The record, or undefined for a state dir no build has used yet. */
export async function readStateOwner(root: string): Promise<StateOwner | undefined> {
  const text = await readTextIfExists(ownerFile(root));
  if (text === undefined) return undefined;
  let owner: unknown;
  try {
    owner = JSON.parse(text);
  } catch {
    owner = undefined;
  }
  if (!Value.Check(StateOwnerSchema, owner)) {
    throw new EnvironmentError(`state dir ${root}: ${ownerFile(root)} is not a valid owner record`, { hint: 'use another --root' });
  }
  return owner;
}

/** Throws unless `me` may use a state dir with this record. */
export function checkStateOwner(root: string, owner: StateOwner, me: BuildIdentity): void {
  if (owner.mode !== me.mode || owner.hostUid !== me.hostUid) {
    throw new EnvironmentError(`state dir ${root} belongs to ${describe(owner, false)} and this is ${describe(me, true)}: root and rootless state dirs are never mixed`, {
      hint: 'use another --root',
    });
  }
}

/** The snapshotter of a state dir: the recorded one; an explicit different choice is an error. */
export function checkSnapshotter(root: string, owner: StateOwner, asked: string | undefined): void {
  if (asked !== undefined && asked !== 'auto' && asked !== owner.snapshotter) {
    throw new EnvironmentError(`state dir ${root} holds ${owner.snapshotter} snapshots; --oci-worker-snapshotter=${asked} cannot use them`, {
      hint: `use --oci-worker-snapshotter=${owner.snapshotter}, or another --root`,
    });
  }
}

export async function writeStateOwner(root: string, owner: StateOwner): Promise<void> {
  await writeFileAtomic(ownerFile(root), `${JSON.stringify(owner)}\n`);
}
