/**
 * One `RUN --mount=...` value -> a typed mount, with BuildKit's rules and error texts
 * (frontend/dockerfile/instructions/commands_runmount.go: parseMount + validateMount):
 * - a CSV record of key=value fields; `ro`, `rw` and (secret/ssh only) `required` may stand alone;
 * - type defaults to bind; bind and secret/ssh are read-only unless rw is given, cache and tmpfs writable;
 * - values are expanded with the stage's ARG/ENV before use (the `expand` callback);
 * - mode/uid/gid only for cache, secret and ssh; sharing only for cache; size only for tmpfs.
 */
import { FlagError } from '../../../errors.js';
import { splitCsv } from '../../../cli/csv.js';
import { didYouMean } from '../../../util/did-you-mean.js';
import type { CacheSharing, MountType } from '../../../llb/ops.js';

export interface RunMount {
  readonly type: MountType;
  readonly from?: string;
  readonly source?: string;
  readonly target?: string;
  readonly readonly: boolean;
  /** `id=`: the cache id, the secret id or the ssh id. */
  readonly id?: string;
  readonly sharing?: CacheSharing;
  readonly required: boolean;
  /** tmpfs `size=` in bytes. */
  readonly size?: number;
  readonly mode?: number;
  readonly uid?: number;
  readonly gid?: number;
  /** secret `env=NAME`: expose the secret as this environment variable. */
  readonly env?: string;
}

/** A mount value BuildKit rejects; the caller adds the Dockerfile location. */
export class RunMountError extends Error {}

const TYPES: readonly MountType[] = ['bind', 'cache', 'tmpfs', 'secret', 'ssh'];
const SHARING: readonly CacheSharing[] = ['shared', 'private', 'locked'];
const ALL_KEYS = ['type', 'from', 'source', 'target', 'readonly', 'id', 'sharing', 'required', 'size', 'mode', 'uid', 'gid', 'env', 'src', 'dst', 'ro', 'rw', 'readwrite'];

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export function parseRunMount(value: string, expand: (word: string) => string): RunMount {
  let fields: string[];
  try {
    fields = splitCsv(value, '--mount');
  } catch (e) {
    if (e instanceof FlagError) throw new RunMountError(`failed to parse csv mounts: ${e.message}`);
    throw e;
  }
  const m: Mutable<RunMount> = { type: 'bind', readonly: false, required: false };
  let roAuto = true;
  for (const field of fields) {
    const eq = field.indexOf('=');
    const key = (eq < 0 ? field : field.slice(0, eq)).toLowerCase();
    if (eq < 0) {
      if (key === 'readonly' || key === 'ro') { m.readonly = true; roAuto = false; continue; }
      if (key === 'readwrite' || key === 'rw') { m.readonly = false; roAuto = false; continue; }
      if (key === 'required') {
        if (m.type !== 'secret' && m.type !== 'ssh') throw new RunMountError(`unexpected key '${key}' for mount type '${m.type}'`);
        m.required = true;
        continue;
      }
      throw new RunMountError(`invalid field '${field}' must be a key=value pair`);
    }
    const v = expand(field.slice(eq + 1));
    switch (key) {
      case 'type': {
        const t = v.toLowerCase() as MountType;
        if (!TYPES.includes(t)) throw new RunMountError(`unsupported mount type "${v}"${hint(v, TYPES)}`);
        m.type = t;
        break;
      }
      case 'from': m.from = v; break;
      case 'source': case 'src': m.source = v; break;
      case 'target': case 'dst': case 'destination': m.target = v; break;
      case 'readonly': case 'ro': m.readonly = parseBool(key, v); roAuto = false; break;
      case 'readwrite': case 'rw': m.readonly = !parseBool(key, v); roAuto = false; break;
      case 'required':
        if (m.type !== 'secret' && m.type !== 'ssh') throw new RunMountError(`unexpected key '${key}' for mount type '${m.type}'`);
        m.required = parseBool(key, v);
        break;
      case 'size':
        if (m.type !== 'tmpfs') throw new RunMountError(`unexpected key '${key}' for mount type '${m.type}'`);
        m.size = ramInBytes(v, key);
        break;
      case 'id': m.id = v; break;
      case 'sharing': {
        const s = v.toLowerCase() as CacheSharing;
        if (!SHARING.includes(s)) throw new RunMountError(`unsupported sharing value "${v}"${hint(v, SHARING)}`);
        m.sharing = s;
        break;
      }
      case 'mode': m.mode = parseUint(v, 8, 'mode'); break;
      case 'uid': m.uid = parseUint(v, 10, 'uid'); break;
      case 'gid': m.gid = parseUint(v, 10, 'gid'); break;
      case 'env': m.env = v; break;
      default:
        throw new RunMountError(`unexpected key '${key}' in '${field}'${hint(key, ALL_KEYS)}`);
    }
  }
  validate(m, roAuto);
  return m;
}

function validate(m: Mutable<RunMount>, roAuto: boolean): void {
  if (m.type !== 'secret' && m.type !== 'ssh' && m.type !== 'cache') {
    for (const k of ['mode', 'uid', 'gid'] as const) {
      if (m[k] !== undefined) throw new RunMountError(`${k} not allowed for "${m.type}" type mounts`);
    }
  }
  if (roAuto) m.readonly = !(m.type === 'cache' || m.type === 'tmpfs');
  if (m.type === 'secret') {
    if (m.from !== undefined) throw new RunMountError('secret mount should not have a from');
    if (m.sharing !== undefined) throw new RunMountError('secret mount should not define sharing');
    if (!m.source && !m.target && !m.id && !m.env) throw new RunMountError('invalid secret mount. one of source, target required');
    if (m.source && m.id) throw new RunMountError("both source and id can't be set");
  }
  if (m.env !== undefined && m.type !== 'secret') throw new RunMountError(`unexpected key 'env' for mount type '${m.type}'`);
  if (m.sharing !== undefined && m.type !== 'cache') throw new RunMountError(`invalid cache sharing set for ${m.type} mount`);
}

function hint(v: string, candidates: readonly string[]): string {
  const g = didYouMean(v, candidates);
  return g === undefined ? '' : ` (did you mean ${g}?)`;
}

/** Go's strconv.ParseBool. */
function parseBool(key: string, v: string): boolean {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  throw new RunMountError(`invalid value for ${key}: ${v}`);
}

function parseUint(v: string, base: 8 | 10, what: string): number {
  const ok = base === 8 ? /^[0-7]+$/.test(v) : /^[0-9]+$/.test(v);
  const n = ok ? parseInt(v, base) : NaN;
  if (!Number.isSafeInteger(n) || n > 0xffffffff) throw new RunMountError(`invalid value ${v} for ${what}`);
  return n;
}

/** docker/go-units RAMInBytes: "64m", "1.5GiB", "100" (bytes); multiples of 1024. */
export function ramInBytes(v: string, key = 'size'): number {
  const m = /^(\d+(?:\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$/.exec(v);
  if (!m) throw new RunMountError(`invalid value for ${key}: ${v}`);
  const unit = (m[2] ?? '').toLowerCase();
  const mult = 1024 ** ' kmgtp'.indexOf(unit === '' ? ' ' : unit);
  return Math.floor(parseFloat(m[1]!) * mult);
}
