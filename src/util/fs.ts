/** Small filesystem questions asked in many places. */
import { stat } from 'node:fs/promises';
import { isErrno } from '../errors.js';

/** True when `p` exists (following symlinks); ENOENT is false, other errors are thrown. */
export async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return false;
    throw e;
  }
}
