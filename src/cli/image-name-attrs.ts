/**
 * Image names of --output type=image, checked at the edge so a typo fails before the build runs, with
 * BuildKit's wording where it has one (util/push: "can't push tagged ref X by digest").
 */
import { FlagError } from '../errors.js';
import { InvalidReferenceError, parseReference } from '../registry/reference.js';

export interface ImageNameRules {
  /** Names the flag in errors. */
  what: string;
  push: boolean;
  pushByDigest: boolean;
  danglingNamePrefix?: string;
}

export function checkImageNames(names: readonly string[], rules: ImageNameRules): void {
  for (const name of names) {
    parseOrThrow(name, rules.what);
    if (rules.push && rules.pushByDigest && hasTag(name)) throw new FlagError(`${rules.what}: can't push tagged ref ${name} by digest`);
  }
  if (rules.danglingNamePrefix !== undefined) {
    if (hasTag(rules.danglingNamePrefix) || rules.danglingNamePrefix.includes('@')) {
      throw new FlagError(`${rules.what}: dangling-name-prefix=${rules.danglingNamePrefix} must be a repository name without tag or digest`);
    }
    parseOrThrow(rules.danglingNamePrefix, rules.what);
  }
}

function parseOrThrow(name: string, what: string): void {
  try {
    parseReference(name);
  } catch (e) {
    if (e instanceof InvalidReferenceError) throw new FlagError(`${what}: ${e.message}`);
    throw e;
  }
}

/** True when the name as written carries a tag (`:tag` after the last `/`, before any `@digest`). */
export function hasTag(name: string): boolean {
  const beforeDigest = name.split('@')[0]!;
  const colon = beforeDigest.lastIndexOf(':');
  return colon > beforeDigest.lastIndexOf('/');
}
