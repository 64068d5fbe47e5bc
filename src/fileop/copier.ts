/**
 * Copy one source entry (and, for a directory, its tree) onto a target path, with fsutil's `cp -a`
 * semantics (tonistiigi/fsutil copy/copy.go): symlinks copied as links with their target verbatim,
 * hardlinks between copied files kept, owners/modes/times kept unless overridden, include/exclude
 * patterns applied to paths relative to the copied source, parents of an included entry created lazily.
 *
 * Safety: the source tree is read with lstat/readdir only, never through a symlink; every target path is
 * a child name joined onto a directory we lstat'ed as a real directory (or created), and a file target is
 * unlinked and created with O_EXCL, so a symlink planted in the destination is replaced, never followed.
 * Concurrency: siblings are processed in parallel; only leaf syscalls take a slot of the limiter.
 */
import { constants, type BigIntStats } from 'node:fs';
import { chmod, copyFile, link, lstat, mkdir, readdir, readlink, rm, symlink, unlink } from 'node:fs/promises';
import path from 'node:path';
import { FileOpError, isErrno } from '../errors.js';
import { createLimiter, type Limiter } from './limit.js';
import { copyFileInfo, copyTimes, type InfoOptions } from './metadata.js';
import type { MatchInfo, PatternMatcher } from './patterns.js';
import { makeSpecial } from './special.js';

export interface CopierOptions extends InfoOptions {
  include?: PatternMatcher | undefined;
  exclude?: PatternMatcher | undefined;
  alwaysReplaceExistingDestPaths?: boolean | undefined;
  /** Makes a host target path readable in messages ("/dest/x"). */
  displayTarget: (host: string) => string;
  /** Leaf syscalls in flight; 16 measured best on 2 cores for 20,000 small files. */
  concurrency?: number;
}

/** A source directory on the way down, created in the target when a descendant is included. */
interface ParentDir { src: string; dst: string; st: BigIntStats; ensured?: Promise<void>; next?: ParentDir }

export class Copier {
  private readonly limit: Limiter;
  /** dev:ino of a multiply-linked source file -> target path, resolved once the first copy is written. */
  private readonly inodes = new Map<string, Promise<string>>();

  constructor(private readonly opts: CopierOptions) {
    this.limit = createLimiter(opts.concurrency ?? 16);
  }

  /** Copy host path `src` (lstat'ed, never followed) to host path `target`. `rel` is '' at the top. */
  async copy(src: string, rel: string, target: string, overwriteMeta: boolean,
    chain?: ParentDir, incInfo?: MatchInfo, excInfo?: MatchInfo): Promise<void> {
    const st = await this.limit(() => lstat(src, { bigint: true }));
    let include = true;
    let excluded = false;
    if (rel !== '') {
      if (this.opts.include && !this.opts.include.empty) {
        const r = this.opts.include.matches(rel, incInfo);
        include = r.matched; incInfo = r.info;
      }
      if (this.opts.exclude && !this.opts.exclude.empty) {
        const r = this.opts.exclude.matches(rel, excInfo);
        if (r.matched) { include = false; excluded = true; }
        excInfo = r.info;
      }
    }
    const targetSt = await this.limit(() => lstatOrUndefined(target));
    if (include) {
      if (this.opts.alwaysReplaceExistingDestPaths && targetSt && !(st.isDirectory() && targetSt.isDirectory())) {
        await this.limit(() => rm(target, { recursive: true, force: true }));
      }
      await this.ensureParents(chain, overwriteMeta);
    }
    if (st.isDirectory()) {
      // An excluded directory cannot hold an included entry unless a '!' pattern may re-include one.
      if (excluded && !this.opts.exclude!.hasExclusions) return;
      const created = await this.copyDirectory({ src, rel, target, st, overwriteMeta, include, chain, incInfo, excInfo });
      if (!overwriteMeta) {
        // The top directory keeps its target metadata unless we created it; only its times follow the source.
        if (created) await this.limit(() => copyFileInfo(target, st, this.opts));
        else if (targetSt) await this.limit(() => copyTimes(target, st, this.opts.timestamp));
      } else if (include) await this.limit(() => copyFileInfo(target, st, this.opts));
      return;
    }
    if (!include) return;
    await this.ensureEmptyFileTarget(target);
    if (st.isFile()) {
      if (await this.copyRegular(src, target, st)) return;
    } else if (st.isSymbolicLink()) {
      const dest = await this.limit(() => readlink(src, { encoding: 'buffer' }));
      await this.limit(() => symlink(dest, target));
    } else if (!(await this.limit(() => makeSpecial(target, st)))) {
      return; // a socket: nothing to recreate
    }
    await this.limit(() => copyFileInfo(target, st, this.opts));
  }

  /** Copy a regular file, or hardlink it to an earlier copy of the same inode. True when linked. */
  private async copyRegular(src: string, target: string, st: BigIntStats): Promise<boolean> {
    if (st.nlink > 1n) {
      const key = `${st.dev}:${st.ino}`;
      const first = this.inodes.get(key);
      if (first !== undefined) {
        const firstTarget = await first;
        await this.limit(() => link(firstTarget, target));
        return true;
      }
      const done = this.limit(() => copyFile(src, target, constants.COPYFILE_FICLONE | constants.COPYFILE_EXCL)).then(() => target);
      done.catch(() => undefined); // awaited below; later links see the rejection through their own await
      this.inodes.set(key, done);
      await done;
      return false;
    }
    await this.limit(() => copyFile(src, target, constants.COPYFILE_FICLONE | constants.COPYFILE_EXCL));
    return false;
  }

  private async copyDirectory(a: {
    src: string; rel: string; target: string; st: BigIntStats; overwriteMeta: boolean; include: boolean;
    chain: ParentDir | undefined; incInfo: MatchInfo | undefined; excInfo: MatchInfo | undefined;
  }): Promise<boolean> {
    let created = false;
    const me: ParentDir = { src: a.src, dst: a.target, st: a.st };
    if (a.chain !== undefined) me.next = a.chain;
    if (a.include) {
      created = await this.limit(() => this.copyDirectoryOnly(a.target, a.st, a.overwriteMeta));
      me.ensured = Promise.resolve();
    }
    const names = await this.limit(() => readdir(a.src));
    const results = await Promise.allSettled(names.map((name) => this.copy(
      path.join(a.src, name), a.rel === '' ? name : `${a.rel}/${name}`, path.join(a.target, name),
      true, me, a.incInfo, a.excInfo)));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    return created;
  }

  /** mkdir target for a source dir; an existing non-directory is an error. True when created. */
  private async copyDirectoryOnly(target: string, st: BigIntStats, overwriteMeta: boolean): Promise<boolean> {
    const t = await lstatOrUndefined(target);
    if (t === undefined) {
      await mkdir(target, 0o700); // final mode is set after the children are written
      return true;
    }
    if (!t.isDirectory()) throw new FileOpError(`cannot copy to non-directory: ${this.opts.displayTarget(target)}`);
    if (overwriteMeta) await chmod(target, Number(st.mode) & 0o7777);
    return false;
  }

  /** Create, once, the parents of an included entry that were skipped because they were not included. */
  private async ensureParents(chain: ParentDir | undefined, overwriteMeta: boolean): Promise<void> {
    const pending: ParentDir[] = [];
    for (let p = chain; p !== undefined; p = p.next) pending.unshift(p);
    for (const p of pending) {
      p.ensured ??= this.limit(async () => {
        if (await this.copyDirectoryOnly(p.dst, p.st, overwriteMeta)) await copyFileInfo(p.dst, p.st, this.opts);
      });
      await p.ensured;
    }
  }

  private async ensureEmptyFileTarget(target: string): Promise<void> {
    const t = await this.limit(() => lstatOrUndefined(target));
    if (t === undefined) return;
    if (t.isDirectory()) throw new FileOpError(`cannot replace to directory ${this.opts.displayTarget(target)} with file`);
    await this.limit(() => unlink(target));
  }
}

async function lstatOrUndefined(p: string): Promise<BigIntStats | undefined> {
  try { return await lstat(p, { bigint: true }); } catch (e) {
    if (isErrno(e, 'ENOENT')) return undefined;
    throw e;
  }
}
