import { createHash } from 'node:crypto';

/** "sha256:<hex>" of the given bytes. */
export function sha256Digest(data: string | Uint8Array): string {
  return 'sha256:' + createHash('sha256').update(data).digest('hex');
}

const DIGEST_RE = /^sha256:[a-f0-9]{64}$/;
/** True for a well-formed sha256 digest (the only algorithm we produce or accept). */
export function isSha256Digest(s: string): boolean {
  return DIGEST_RE.test(s);
}
/** The hex part of a sha256 digest, for use as a file name. Throws on anything else (path safety). */
export function digestHex(d: string): string {
  if (!DIGEST_RE.test(d)) throw new Error(`not a sha256 digest: ${d}`);
  return d.slice('sha256:'.length);
}
