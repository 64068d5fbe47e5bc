/**
 * mkdir -p inside a root (fsutil copy.MkdirAll): missing components are created with `mode` (after the
 * daemon umask), and only those get the owner and timestamp; existing directories are left alone.
 */
import { chmodSync, lstatSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { FileOpError, isErrno } from '../errors.js';
import { resolveInRoot } from '../snapshot/chroot-path.js';
import { DAEMON_UMASK, ownAndTime } from './metadata.js';
import { cleanAbs, containerPathOf } from './paths.js';
import type { ChownOpt } from './types.js';

export interface MkdirAllOptions {
  mode: number;
  /** Set `mode` as it is, without the daemon umask (what COPY --chmod gives the directories it creates). */
  exactMode?: boolean | undefined;
  chown?: ChownOpt | undefined;
  timestamp?: number | undefined;
}

/** Create container path `p` in root and its missing parents; returns the host paths created, top first. */
export async function mkdirAll(root: string, p: string, opts: MkdirAllOptions): Promise<string[]> {
  const target = await resolveInRoot(root, cleanAbs(p));
  return mkdirAllHost(root, target, opts);
}

/**
 * Same for a host path already resolved in root. Each existing component is lstat'ed: anything but a
 * real directory stops us (a symlink there would mean the tree changed under us).
 */
export async function mkdirAllHost(root: string, target: string, opts: MkdirAllOptions): Promise<string[]> {
  const base = path.resolve(root);
  const comps = path.relative(base, target).split(path.sep).filter((c) => c !== '');
  const created: string[] = [];
  let cur = base;
  for (const c of comps) {
    cur = path.join(cur, c);
    let st;
    try { st = lstatSync(cur); } catch (e) {
      if (!isErrno(e, 'ENOENT')) throw e;
    }
    if (st !== undefined) {
      if (st.isDirectory()) continue;
      throw new FileOpError(`cannot create directory ${containerPathOf(root, cur)}: not a directory`);
    }
    try {
      mkdirSync(cur);
    } catch (e) {
      if (!isErrno(e, 'EEXIST')) throw e;
      if (lstatSync(cur).isDirectory()) continue;
      throw new FileOpError(`cannot create directory ${containerPathOf(root, cur)}: not a directory`);
    }
    chmodSync(cur, opts.exactMode ? opts.mode & 0o7777 : opts.mode & 0o777 & ~DAEMON_UMASK);
    ownAndTime(cur, opts);
    created.push(cur);
  }
  return created;
}
