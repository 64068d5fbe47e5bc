/**
 * The copy action (BuildKit solver/llbsolver/file/backend.go docopy + fsutil copy.Copy): what Dockerfile
 * COPY and ADD (of local files) become. Destination rules, for each source after wildcard expansion:
 * - dest ending in '/' is created as a directory first;
 * - a directory source with dirCopyContents has its contents merged into dest (created if missing);
 * - a non-directory source lands inside dest when dest is an existing directory, else at dest itself;
 * - created parent directories are 0755 and get the chown owner and the timestamp, as in BuildKit.
 */
import { lstat, stat } from 'node:fs/promises';
import path from 'node:path';
import { FileOpError, isErrno } from '../errors.js';
import { resolveInRoot } from '../snapshot/chroot-path.js';
import { Copier } from './copier.js';
import { mkdirAll, mkdirAllHost } from './mkdir-all.js';
import { cleanAbs, cleanPath, containerPathOf, rootPath } from './paths.js';
import { copyPatterns } from './patterns.js';
import type { ContextFilter } from './context-filter.js';
import type { CopyAction } from './types.js';
import { resolveWildcards } from './wildcards.js';

export async function copy(opts: { srcRoot: string; destRoot: string; action: CopyAction; contextFilter?: ContextFilter }): Promise<void> {
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
  let srcs = [srcPath];
  if (a.allowWildcard) {
    srcs = await resolveWildcards(srcRoot, srcPath, a.followSymlinks);
    if (filter && srcs.length > 1) srcs = await visibleOnly(srcRoot, srcs, filter);
    if (srcs.length === 0) {
      if (a.allowEmptyWildcard) return;
      throw new FileOpError(`${JSON.stringify(cleanAbs(srcPath))}: not found`);
    }
  }
  const copier = new Copier({
    chown: a.chown, mode: a.mode, timestamp: a.timestamp,
    include: copyPatterns(a.includePatterns, 'include'),
    exclude: copyPatterns(a.excludePatterns, 'exclude'),
    alwaysReplaceExistingDestPaths: a.alwaysReplaceExistingDestPaths,
    contextFilter: filter,
    displayTarget: (h) => containerPathOf(destRoot, h),
  });
  const parentOpts = { mode: 0o755, chown: a.chown, timestamp: a.timestamp };
  for (const src of srcs) {
    // fsutil: a dest ending in '/' (or '/.') is created; otherwise only its parent is.
    const ensure = destPath.endsWith('/') || destPath.endsWith('/.') ? destPath : path.posix.dirname(destPath);
    await mkdirAll(destRoot, ensure, parentOpts);
    const dst = await resolveInRoot(destRoot, cleanAbs(destPath));
    const srcHost = await rootPath(srcRoot, src, a.followSymlinks);
    let fiSrc;
    try { fiSrc = await lstat(srcHost); } catch (e) {
      if (isErrno(e, 'ENOENT') || isErrno(e, 'ENOTDIR')) throw new FileOpError(`${JSON.stringify(cleanAbs(src))}: not found`);
      throw e;
    }
    if (filter?.hidden(srcHost)) {
      throw new FileOpError(`${JSON.stringify(cleanAbs(src))}: not found`, { hint: `excluded by .dockerignore pattern "${filter.excludedBy(srcHost) ?? '?'}"` });
    }
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
