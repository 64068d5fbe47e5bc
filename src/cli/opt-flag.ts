/**
 * --opt KEY=VALUE (repeatable) into FrontendOptions. Typed: filename, target, build-arg:NAME. Every --opt,
 * typed or not, is also kept in `raw` as given: BuildKit passes unknown opts to the frontend, which ignores
 * those it does not know, so we accept them too.
 */
import type { FrontendOptions } from '../build/request.js';
import { FlagError } from '../errors.js';

/** `sourceDateEpoch`: $SOURCE_DATE_EPOCH, which buildctl >= 0.13 passes as that build arg unless one was given. */
export function parseFrontendOpts(values: readonly string[], env: { sourceDateEpoch?: string | undefined } = {}): FrontendOptions {
  const raw = new Map<string, string>();
  const buildArgs = new Map<string, string>();
  let filename = 'Dockerfile';
  let target: string | undefined;
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq <= 0) throw new FlagError(`invalid --opt "${v}": expected KEY=VALUE`, { hint: 'e.g. --opt build-arg:VERSION=1.2 or --opt target=release' });
    const key = v.slice(0, eq);
    const value = v.slice(eq + 1);
    raw.set(key, value);
    if (key === 'filename') {
      if (value === '') throw new FlagError('--opt filename= needs a file name');
      filename = value;
    } else if (key === 'target') {
      target = value === '' ? undefined : value;
    } else if (key.startsWith('build-arg:')) {
      const name = key.slice('build-arg:'.length);
      if (name === '') throw new FlagError(`invalid --opt "${v}": build-arg: needs a name, e.g. build-arg:NAME=VALUE`);
      buildArgs.set(name, value);
    }
  }
  if (env.sourceDateEpoch !== undefined && !buildArgs.has('SOURCE_DATE_EPOCH')) buildArgs.set('SOURCE_DATE_EPOCH', env.sourceDateEpoch);
  return { filename, ...(target !== undefined ? { target } : {}), buildArgs, raw };
}
