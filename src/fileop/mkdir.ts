/**
 * The mkdir action (what WORKDIR becomes), as BuildKit's file backend does it: the path is resolved in
 * root following symlinks; with makeParents every missing component is created with `mode` (after the
 * daemon umask 022) and gets the owner and timestamp; an existing directory is left untouched.
 */
import { chmod, mkdir as fsMkdir } from 'node:fs/promises';
import { FileOpError, isErrno } from '../errors.js';
import { resolveInRoot } from '../snapshot/chroot-path.js';
import { DAEMON_UMASK, ownAndTime } from './metadata.js';
import { mkdirAllHost } from './mkdir-all.js';
import { cleanAbs } from './paths.js';
import type { ChownOpt } from './types.js';

export async function mkdir(opts: {
  root: string; path: string; mode: number; makeParents: boolean; chown?: ChownOpt; timestamp?: number;
}): Promise<void> {
  const p = await resolveInRoot(opts.root, cleanAbs(opts.path));
  if (opts.makeParents) {
    await mkdirAllHost(opts.root, p, { mode: opts.mode, chown: opts.chown, timestamp: opts.timestamp });
    return;
  }
  try {
    await fsMkdir(p);
  } catch (e) {
    if (isErrno(e, 'EEXIST')) return; // BuildKit: an existing entry is success, left as it is
    if (isErrno(e, 'ENOENT') || isErrno(e, 'ENOTDIR')) {
      throw new FileOpError(`mkdir ${cleanAbs(opts.path)}: parent directory not found`);
    }
    throw e;
  }
  await chmod(p, opts.mode & 0o777 & ~DAEMON_UMASK);
  ownAndTime(p, opts);
}
