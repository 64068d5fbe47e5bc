/**
 * Device nodes and FIFOs found in a source tree. Node has no mknod(2), so these rare entries spawn
 * coreutils `mknod` (one process each). Sockets cannot be recreated that way and are skipped.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { BigIntStats } from 'node:fs';

const run = promisify(execFile);

/** Recreate the special file `st` at target; false when it is a socket (skipped). */
export async function makeSpecial(target: string, st: BigIntStats): Promise<boolean> {
  if (st.isSocket()) return false;
  if (st.isFIFO()) { await run('mknod', ['-m', '600', target, 'p']); return true; }
  const rdev = st.rdev;
  // glibc's gnu_dev_major/minor encoding of a 64-bit dev_t
  const major = ((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn);
  const minor = (rdev & 0xffn) | ((rdev >> 12n) & ~0xffn);
  const kind = st.isCharacterDevice() ? 'c' : 'b';
  await run('mknod', ['-m', '600', target, kind, major.toString(), minor.toString()]);
  return true;
}
