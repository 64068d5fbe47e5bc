/**
 * `--filter` for du and prune, as BuildKit's: KEY==VALUE, KEY=VALUE, KEY!=VALUE, KEY~=REGEX; several filters
 * must all match. Keys: id, type, description, inuse, reclaimable, shared, private, until (a duration: records
 * last used longer ago than that). Unknown keys and bad regexes are refused up front.
 */
import { FlagError } from '../errors.js';
import { didYouMean } from '../util/did-you-mean.js';
import type { UsageRecord } from './records.js';
import { parseDuration } from './units.js';

const KEYS = ['id', 'type', 'description', 'inuse', 'reclaimable', 'shared', 'private', 'until'] as const;

export type RecordFilter = (r: UsageRecord, now: Date) => boolean;

export function parseFilter(text: string): RecordFilter {
  const m = /^([a-z]+)(==|!=|~=|=)(.*)$/.exec(text);
  if (!m) throw new FlagError(`--filter ${text}: expected KEY==VALUE, KEY!=VALUE or KEY~=REGEX`);
  const [, key, op, value] = m as unknown as [string, string, string, string];
  if (!(KEYS as readonly string[]).includes(key)) {
    const hint = didYouMean(key, [...KEYS]);
    throw new FlagError(`--filter ${text}: unknown key "${key}"${hint ? ` (did you mean ${hint}?)` : ''} (keys: ${KEYS.join(', ')})`);
  }
  if (key === 'until') {
    if (op === '!=' || op === '~=') throw new FlagError(`--filter ${text}: until takes = (a duration)`);
    const ms = parseDuration(value, `--filter ${text}`);
    return (r, now) => now.getTime() - r.lastUsedAt.getTime() >= ms;
  }
  let match: (field: string) => boolean;
  if (op === '~=') {
    let re: RegExp;
    try {
      re = new RegExp(value);
    } catch {
      throw new FlagError(`--filter ${text}: "${value}" is not a valid regular expression`);
    }
    match = (f) => re.test(f);
  } else {
    match = op === '!=' ? (f) => f !== value : (f) => f === value;
  }
  return (r) => match(fieldOf(r, key));
}

function fieldOf(r: UsageRecord, key: string): string {
  switch (key) {
    case 'id': return r.id;
    case 'type': return r.type;
    case 'description': return r.description;
    case 'inuse': return String(r.inUse); // a running build leases it (cache/leases.ts)
    case 'reclaimable': return String(!r.inUse);
    case 'shared': return String(r.referenced);
    case 'private': return String(!r.referenced);
    default: return '';
  }
}

export function matchesAll(filters: readonly RecordFilter[], r: UsageRecord, now: Date): boolean {
  return filters.every((f) => f(r, now));
}
