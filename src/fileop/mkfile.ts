/**
 * The mkfile action: write `data` to a path resolved in root (symlinks followed inside root). Like
 * BuildKit it stages a temp file beside the target and renames it into place, so whatever was at the
 * target (a symlink, a device node) is replaced, never opened or written through.
 */
import { randomBytes } from 'node:crypto';
import { chmod, rename, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { FileOpError, isErrno } from '../errors.js';
import { resolveInRoot } from '../snapshot/chroot-path.js';
import { ownAndTime } from './metadata.js';
import { cleanAbs } from './paths.js';
import type { ChownOpt } from './types.js';

export async function mkfile(opts: {
  root: string; path: string; mode: number; data: Uint8Array; chown?: ChownOpt; timestamp?: number;
}): Promise<void> {
  const shown = cleanAbs(opts.path);
  const p = await resolveInRoot(opts.root, shown);
  if (p === path.resolve(opts.root)) throw new FileOpError(`mkfile ${shown}: is a directory`);
  const tmp = path.join(path.dirname(p), `.tmp-mkfile-${randomBytes(6).toString('hex')}`);
  try {
    await writeFile(tmp, opts.data, { flag: 'wx', mode: 0o600 });
  } catch (e) {
    if (isErrno(e, 'ENOENT') || isErrno(e, 'ENOTDIR')) throw new FileOpError(`mkfile ${shown}: parent directory not found`);
    throw e;
  }
  try {
    await chmod(tmp, opts.mode & 0o777);
    ownAndTime(tmp, opts);
    await rename(tmp, p);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    if (isErrno(e, 'EISDIR') || isErrno(e, 'ENOTEMPTY') || isErrno(e, 'EEXIST')) throw new FileOpError(`mkfile ${shown}: is a directory`);
    throw e;
  }
}
