/**
 * The ONE canonical encoding behind every op digest and cache key: JSON with object keys sorted by code unit,
 * no whitespace, `undefined` members dropped, arrays in order. JS object key order is insertion order, so
 * `JSON.stringify` of an ad-hoc object is never used for identity.
 */
import { createHash } from 'node:crypto';

export type Canonical = string | number | boolean | null | readonly Canonical[] | { readonly [k: string]: Canonical | undefined };

export function canonicalJson(value: Canonical): string {
  if (value === null || typeof value === 'boolean') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error('canonicalJson: non-finite number');
    return JSON.stringify(value);
  }
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return '[' + value.map((v) => canonicalJson(v as Canonical)).join(',') + ']';
  const obj = value as { readonly [k: string]: Canonical | undefined };
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
  return '{' + keys.map((k) => JSON.stringify(k) + ':' + canonicalJson(obj[k] as Canonical)).join(',') + '}';
}

/** sha256 digest ("sha256:<hex>") of the canonical encoding of a value. */
export function canonicalDigest(value: Canonical): string {
  return 'sha256:' + createHash('sha256').update(canonicalJson(value)).digest('hex');
}
