/**
 * Write a stream to `destFile` only if it is exactly the content a descriptor promises: bytes go to a temp file
 * in the same directory (exclusive create) while being hashed and counted, then the temp file is renamed into
 * place. A size or digest mismatch throws DigestMismatchError and leaves nothing behind, as does any other error.
 */
import { createHash, randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { DigestMismatchError, isErrno } from '../errors.js';

const HASHES: Record<string, string> = { sha256: 'sha256', sha512: 'sha512' };

/** The node hash name for a digest's algorithm; throws on algorithms we cannot verify. */
export function hashFor(digest: string): { algorithm: string; hash: ReturnType<typeof createHash> } {
  const algorithm = digest.slice(0, digest.indexOf(':'));
  const nodeName = HASHES[algorithm];
  if (nodeName === undefined) throw new DigestMismatchError(`cannot verify ${digest}: unsupported digest algorithm`);
  return { algorithm, hash: createHash(nodeName) };
}

/** Throws DigestMismatchError unless `bytes` has `expected` digest. `what` names the content in the message. */
export function verifyBytes(bytes: Uint8Array, expected: string, what: string): void {
  const { algorithm, hash } = hashFor(expected);
  const got = `${algorithm}:${hash.update(bytes).digest('hex')}`;
  if (got !== expected) throw new DigestMismatchError(`digest mismatch for ${what}: expected ${expected}, got ${got}`);
}

export interface VerifiedWriteOptions {
  source: AsyncIterable<Uint8Array>;
  digest: string;
  size: number;
  destFile: string;
  /** Names the blob in errors: "blob sha256:... of REF". */
  what: string;
  /** Called after each chunk with the total bytes written so far. */
  onProgress?: ((bytes: number) => void) | undefined;
}

export async function writeVerifiedFile(opts: VerifiedWriteOptions): Promise<void> {
  const { algorithm, hash } = hashFor(opts.digest);
  const tmp = join(dirname(opts.destFile), `.${basename(opts.destFile)}.${randomBytes(6).toString('hex')}.tmp`);
  const fh = await open(tmp, 'wx');
  let published = false;
  try {
    let total = 0;
    for await (const chunk of opts.source) {
      total += chunk.length;
      // Stop a server that sends more than promised before it fills the disk.
      if (total > opts.size) {
        throw new DigestMismatchError(`size mismatch for ${opts.what}: expected ${opts.size} bytes, got more`);
      }
      hash.update(chunk);
      await fh.write(chunk);
      opts.onProgress?.(total);
    }
    if (total !== opts.size) {
      throw new DigestMismatchError(`size mismatch for ${opts.what}: expected ${opts.size} bytes, got ${total}`);
    }
    const got = `${algorithm}:${hash.digest('hex')}`;
    if (got !== opts.digest) {
      throw new DigestMismatchError(`digest mismatch for ${opts.what}: expected ${opts.digest}, got ${got}`);
    }
    await fh.close();
    await rename(tmp, opts.destFile);
    published = true;
  } finally {
    if (!published) {
      await fh.close().catch(() => undefined); // already closed when rename failed
      await unlink(tmp).catch((e: unknown) => {
        if (!isErrno(e, 'ENOENT')) throw e;
      });
    }
  }
}
