/**
 * The copy action (BuildKit solver/llbsolver/file/backend.go docopy + fsutil copy.Copy): what Dockerfile
 * COPY and ADD (of local files) become. Destination rules, for each source after wildcard expansion:
 * - dest ending in '/' (or '/.') is created as a directory first; otherwise only its parent is;
 * - a directory source with dirCopyContents has its contents merged into dest (created if missing);
 * - a non-directory source lands inside dest when dest is an existing directory, else at dest itself (so
 *   `COPY a b /dest` without a slash writes /dest twice and keeps b, as BuildKit does: moby/buildkit#1853);
 * - created parent directories are 0755 (after the daemon umask), or exactly the --chmod mode when one is
 *   given (fsutil#228, BuildKit >= 0.21: `COPY --chmod=640 f /new/dir/f` makes /new/dir 0640), and get the
 *   chown owner and the timestamp;
 * - with attemptUnpack (ADD), a source file that is a tar archive, compressed or not, is extracted into dest.
 */
import { lstat, stat } from 'node:fs/promises';
import path from 'node:path';
import { FileOpError, isErrno } from '../errors.js';
import { resolveInRoot } from '../snapshot/chroot-path.js';
import { Copier } from './copier.js';
import { hiddenError, type ContextFilter } from './context-filter.js';
import { mkdirAll, mkdirAllHost, type MkdirAllOptions } from './mkdir-all.js';
import { parseModeSpec, ModeSyntaxError, type ModeSpec } from './mode-set.js';
import { cleanAbs, cleanPath, containerPathOf, rootPath } from './paths.js';
import { copyPatterns } from './patterns.js';
import type { ChownOpt, CopyAction } from './types.js';
import { unpackIfArchive } from './unpack.js';
import { resolveWildcards } from './wildcards.js';

export interface CopyOptions {
  srcRoot: string;
  destRoot: string;
  action: CopyAction;
  contextFilter?: ContextFilter;
  /**
   * Owner of copied entries when no chown is given. A --local source passes root (0:0): BuildKit's file sync
   * resets context owners, so a context file never carries the host user's id into the image.
   */
  defaultOwner?: ChownOpt;
}

export async function copy(opts: CopyOptions): Promise<void> {
  const { srcRoot, destRoot, action: a } = opts;
  const filter = opts.contextFilter;
  const srcPath = cleanPath(a.src);
  const destPath = cleanPath(a.dest);
  if (!a.createDestPath) {
    const p = await resolveInRoot(destRoot, cleanAbs(a.dest));
    try { await lstat(path.dirname(p)); } catch (e) {
      if (isErrno(e, 'ENOENT') || isErrno(e, 'ENOTDIR')) throw new FileOpError(`failed to stat ${a.dest}: parent directory not found`);
      throw e;
    }
  }
  for (const req of a.requiredPaths ?? []) await checkRequired(srcRoot, req, filter);
  let srcs = [srcPath];
  if (a.allowWildcard) {
    srcs = await resolveWildcards(srcRoot, srcPath, a.followSymlinks);
    if (filter && srcs.length > 1) srcs = await visibleOnly(srcRoot, srcs, filter);
    if (srcs.length === 0) {
      if (a.allowEmptyWildcard) return;
      throw new FileOpError(`${JSON.stringify(cleanAbs(srcPath))}: not found`);
    }
  }
  const mode = modeOf(a);
  const copier = new Copier({
    chown: a.chown ?? opts.defaultOwner, mode, timestamp: a.timestamp,
    include: copyPatterns(a.includePatterns, 'include'),
    exclude: copyPatterns(a.excludePatterns, 'exclude'),
    alwaysReplaceExistingDestPaths: a.alwaysReplaceExistingDestPaths,
    contextFilter: filter,
    displayTarget: (h) => containerPathOf(destRoot, h),
  });
  const parentOpts: MkdirAllOptions = mode !== undefined
    ? { mode: mode.apply(0o755, true), exactMode: true, chown: a.chown, timestamp: a.timestamp }
    : { mode: 0o755, chown: a.chown, timestamp: a.timestamp };
  for (const src of srcs) {
    const ensure = destPath.endsWith('/') || destPath.endsWith('/.') ? destPath : path.posix.dirname(destPath);
    await mkdirAll(destRoot, ensure, parentOpts);
    const srcHost = await rootPath(srcRoot, src, a.followSymlinks);
    let fiSrc;
    try { fiSrc = await lstat(srcHost); } catch (e) {
      if (isErrno(e, 'ENOENT') || isErrno(e, 'ENOTDIR')) throw new FileOpError(`${JSON.stringify(cleanAbs(src))}: not found`);
      throw e;
    }
    if (filter?.hidden(srcHost)) throw hiddenError(cleanAbs(src), filter, srcHost);
    if (a.attemptUnpack && fiSrc.isFile()) {
      const into = await resolveInRoot(destRoot, cleanAbs(destPath));
      const unpacked = await unpackIfArchive({ archive: srcHost, destRoot, dest: into, chown: a.chown, parentOpts: { mode: 0o755, chown: a.chown, timestamp: a.timestamp } });
      if (unpacked) continue;
    }
    const dst = await resolveInRoot(destRoot, cleanAbs(destPath));
    const fiDest = await statOrUndefined(dst);
    const srcIsDir = fiSrc.isDirectory();
    let target: string = dst;
    if ((!a.dirCopyContents && srcIsDir && fiDest) || (!srcIsDir && fiDest?.isDirectory())) {
      target = path.join(dst, path.posix.basename(cleanAbs(src)));
    }
    await mkdirAllHost(destRoot, a.dirCopyContents && srcIsDir && !fiDest ? target : path.dirname(target), parentOpts);
    await copier.copy(srcHost, '', target, false);
  }
}

function modeOf(a: CopyAction): ModeSpec | undefined {
  if (a.mode !== undefined) return { text: a.mode.toString(8), numeric: a.mode & 0o7777, apply: () => a.mode! & 0o7777 };
  if (a.modeStr === undefined || a.modeStr === '') return undefined;
  try {
    return parseModeSpec(a.modeStr);
  } catch (e) {
    if (e instanceof ModeSyntaxError) throw new FileOpError(e.message);
    throw e;
  }
}

/** A required source path (COPY --parents without wildcards) must exist and not be hidden by .dockerignore. */
async function checkRequired(srcRoot: string, p: string, filter: ContextFilter | undefined): Promise<void> {
  const host = await rootPath(srcRoot, p, true);
  try { await lstat(host); } catch (e) {
    if (isErrno(e, 'ENOENT') || isErrno(e, 'ENOTDIR')) throw new FileOpError(`${JSON.stringify(cleanAbs(p))}: not found`);
    throw e;
  }
  if (filter?.hidden(host)) throw hiddenError(cleanAbs(p), filter, host);
}

async function visibleOnly(srcRoot: string, srcs: string[], filter: ContextFilter): Promise<string[]> {
  const out: string[] = [];
  for (const s of srcs) if (!filter.hidden(await rootPath(srcRoot, s, false))) out.push(s);
  return out;
}

async function statOrUndefined(p: string) {
  try { return await stat(p); } catch (e) {
    if (isErrno(e, 'ENOENT') || isErrno(e, 'ENOTDIR')) return undefined;
    throw e;
  }
}
