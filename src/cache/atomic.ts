/**
 * Crash-safe publishing: write to a temp name in the same directory, fsync, rename into place.
 * A reader never sees a half-written file; a crash leaves at most a stray temp file that GC may delete.
 */
import { mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

export function tempName(target: string): string {
  return path.join(path.dirname(target), `.tmp-${path.basename(target)}-${process.pid}-${randomBytes(4).toString('hex')}`);
}

export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  await mkdir(path.dirname(target), { recursive: true });
  const tmp = tempName(target);
  const fh = await open(tmp, 'wx');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, target);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}
