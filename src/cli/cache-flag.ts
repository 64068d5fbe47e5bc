/**
 * --export-cache / --import-cache as buildctl takes them: CSV `type=registry,ref=...,mode=max`,
 * `type=local,dest=DIR` / `type=local,src=DIR`, `type=inline`; a value without "=" is a registry ref
 * (buildctl's legacy form). Keys are checked per type and direction with a did-you-mean.
 */
import path from 'node:path';
import { Type } from '@sinclair/typebox';
import type { CacheSpec, CacheType } from '../build/request.js';
import { FlagError } from '../errors.js';
import { suggest } from './suggest.js';
import { Attr, BoolAttr, EnumAttr, TextAttr, checkAttrs, type AttrRules } from './attrs.js';
import { parseCsvAttrs } from './csv.js';

export type CacheDirection = 'export' | 'import';

const EXPORT_COMMON = {
  mode: EnumAttr(['min', 'max']),
  'oci-mediatypes': BoolAttr(),
  'image-manifest': BoolAttr(),
  compression: EnumAttr(['gzip', 'zstd', 'uncompressed']),
  'compression-level': Attr('^[0-9]{1,2}$', 'an integer level'),
  'force-compression': BoolAttr(),
  'ignore-error': BoolAttr(),
  /** RUN --mount=type=cache contents travel with the cache (cache/mounts-transfer). */
  mounts: BoolAttr(),
};

const BOOL_KEYS = ['oci-mediatypes', 'image-manifest', 'force-compression', 'ignore-error', 'mounts', 'registry.insecure'] as const;

const RULES: Record<CacheDirection, Partial<Record<CacheType, AttrRules>>> = {
  export: {
    registry: { schema: Type.Object({ ref: TextAttr('an image reference'), 'registry.insecure': BoolAttr(), ...EXPORT_COMMON }) },
    local: { schema: Type.Object({ dest: TextAttr('a directory'), tag: TextAttr(), ...EXPORT_COMMON }) },
    inline: { schema: Type.Object({}) },
  },
  import: {
    // No mounts= here: an imported cache's cache-mount entries are used whenever it has them (mounts-transfer).
    registry: { schema: Type.Object({ ref: TextAttr('an image reference'), 'registry.insecure': BoolAttr() }) },
    local: { schema: Type.Object({ src: TextAttr('a directory'), tag: TextAttr(), digest: TextAttr('a digest') }) },
  },
};
const REQUIRED: Partial<Record<CacheType, Record<CacheDirection, string | undefined>>> = {
  registry: { export: 'ref', import: 'ref' },
  local: { export: 'dest', import: 'src' },
};

export function parseCacheSpec(value: string, direction: CacheDirection, cwd: string): CacheSpec {
  const flag = `--${direction}-cache`;
  const attrs = value.includes('=') ? parseCsvAttrs(value, flag) : new Map([['type', 'registry'], ['ref', value]]);
  const type = attrs.get('type');
  attrs.delete('type');
  if (type === undefined) throw new FlagError(`${flag} ${value}: missing type=<type>`, { hint: `types: ${Object.keys(RULES[direction]).join(', ')}` });
  const rules = RULES[direction][type as CacheType];
  if (rules === undefined) {
    const known = Object.keys(RULES[direction]);
    const guess = suggest(type, known);
    throw new FlagError(`${flag} type=${type} is not supported${guess !== undefined ? ` (did you mean "${guess}"?)` : ''}`, { hint: `supported: ${known.join(', ')}` });
  }
  const what = `${flag} type=${type}`;
  checkAttrs(attrs, rules, what);
  const required = REQUIRED[type as CacheType]?.[direction];
  if (required !== undefined && !attrs.has(required)) throw new FlagError(`${what} needs ${required}=`);
  if (type === 'local' && required !== undefined) attrs.set(required, path.resolve(cwd, attrs.get(required)!));
  // Booleans in one spelling for the code that reads them ("" is true, as BuildKit reads a bare `push`).
  for (const k of BOOL_KEYS) {
    const v = attrs.get(k);
    if (v !== undefined) attrs.set(k, /^(|1|t|true)$/i.test(v) ? 'true' : 'false');
  }
  // As BuildKit: an image manifest with Docker media types does not exist.
  if (attrs.get('image-manifest') === 'true' && attrs.get('oci-mediatypes') === 'false') {
    throw new FlagError(`${what}: image-manifest=true requires oci-mediatypes=true`);
  }
  return { type: type as CacheType, attrs: Object.fromEntries(attrs) };
}
