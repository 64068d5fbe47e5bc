/** Small filesystem questions asked in many places. */
import type { Stats } from 'node:fs';
import { lstat, readFile, stat } from 'node:fs/promises';
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

/** A text file's content, or undefined when it does not exist; other errors are thrown. */
export async function readTextIfExists(p: string): Promise<string | undefined> {
  try {
    return await readFile(p, 'utf8');
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return undefined;
    throw e;
  }
}

/** `stat` of `p`, or undefined when it does not exist; other errors are thrown. */
export async function statIfExists(p: string): Promise<Stats | undefined> {
  try {
    return await stat(p);
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return undefined;
    throw e;
  }
}

/** `lstat` of `p` (a symlink itself), or undefined when it does not exist; other errors are thrown. */
export async function lstatIfExists(p: string): Promise<Stats | undefined> {
  try {
    return await lstat(p);
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return undefined;
    throw e;
  }
}
