/**
 * SOURCE_DATE_EPOCH as BuildKit reads it (exporter/util/epoch): a decimal count of seconds since the Unix epoch,
 * from the `source-date-epoch` exporter key, else the `build-arg:SOURCE_DATE_EPOCH` frontend option (buildctl
 * 0.13+ fills that from the SOURCE_DATE_EPOCH environment variable when it is not given). An empty value
 * means "not set".
 */
import { FlagError } from '../errors.js';

const INTEGER = /^[+-]?[0-9]{1,12}$/;

/** Seconds, or undefined for an empty value; `what` names where the value came from in the error. */
export function parseSourceDateEpoch(value: string | undefined, what: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (!INTEGER.test(value)) {
    throw new FlagError(`invalid ${what}: ${JSON.stringify(value)} is not a number of seconds since 1970-01-01`, { hint: 'e.g. SOURCE_DATE_EPOCH=$(git log -1 --pretty=%ct)' });
  }
  return Number(value);
}

/** The build's epoch from its build args (a SOURCE_DATE_EPOCH build arg), else from `env`. */
export function sourceDateEpochOf(buildArgs: ReadonlyMap<string, string>, env: NodeJS.ProcessEnv = {}): number | undefined {
  const arg = buildArgs.get('SOURCE_DATE_EPOCH');
  if (arg !== undefined) return parseSourceDateEpoch(arg, 'build-arg:SOURCE_DATE_EPOCH');
  return parseSourceDateEpoch(env['SOURCE_DATE_EPOCH'], 'SOURCE_DATE_EPOCH');
}
