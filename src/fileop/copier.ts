/**
 * Copy one source entry (and, for a directory, its tree) onto a target path, with fsutil's `cp -a`
 * semantics (tonistiigi/fsutil copy/copy.go): symlinks copied as links with their target verbatim,
 * hardlinks between copied files kept, owners/modes/times kept unless overridden, include/exclude
 * patterns applied to paths relative to the copied source, parents of an included entry created lazily.
 *
 * Safety: the source tree is read with lstat/readdir only, never through a symlink; every target path is
 * a child name joined onto a directory we lstat'ed as a real directory (or created), and a file target is
 * unlinked and created with O_EXCL, so a symlink planted in the destination is replaced, never followed.
 * Speed: synchronous calls with periodic yields (yielder.ts); files above 8 MiB are copied asynchronously.
 */
import {
  chmodSync, constants, copyFileSync, linkSync, lstatSync, mkdirSync, readdirSync, readlinkSync, rmSync,
  symlinkSync, unlinkSync, type BigIntStats,
} from 'node:fs';
import { copyFile } from 'node:fs/promises';
import path from 'node:path';
import { FileOpError, isErrno } from '../errors.js';
import { copyFileInfo, copyTimes, type InfoOptions } from './metadata.js';
import type { MatchInfo, PatternMatcher } from './patterns.js';
import { makeSpecial } from './special.js';
import { Yielder } from './yielder.js';
import type { ContextFilter } from './context-filter.js';

export interface CopierOptions extends InfoOptions {
  include?: PatternMatcher | undefined;
  exclude?: PatternMatcher | undefined;
  alwaysReplaceExistingDestPaths?: boolean | undefined;
  /** Paths a --local source hides (.dockerignore). */
  contextFilter?: ContextFilter | undefined;
  /** Makes a host target path readable in messages ("/dest/x"). */
  displayTarget: (host: string) => string;
}

/**
 * A source directory on the way down, created in the target when a descendant is included. `fresh`: this copy
 * created it (its own mode is set after its children), so nothing else is in it, and `childOwner` is who owns
 * what we create in it: our effective uid, and our gid unless the new dir inherited a setgid bit.
 */
interface ParentDir { dst: string; st: BigIntStats; ensured: boolean; fresh: boolean; childOwner?: Owner; next?: ParentDir }
interface Owner { uid: number; gid: number }

const BIG_FILE = 8n * 1024n * 1024n;
const COPY_FLAGS = constants.COPYFILE_FICLONE | constants.COPYFILE_EXCL; // reflink when possible; never open an existing target

export class Copier {
  private readonly yielder = new Yielder();
  /** dev:ino of a multiply-linked source file -> target path of its first copy. */
  private readonly inodes = new Map<string, string>();

  constructor(private readonly opts: CopierOptions) {}

  /** Copy host path `src` (lstat'ed, never followed) to host path `target`. `rel` is '' at the top. */
  async copy(src: string, rel: string, target: string, overwriteMeta: boolean,
    chain?: ParentDir, incInfo?: MatchInfo, excInfo?: MatchInfo): Promise<void> {
    await this.yielder.maybeYield();
    const st = lstatSync(src, { bigint: true });
    let include = true;
    let excluded = false;
    if (rel !== '') {
      if (this.opts.include) {
        const r = this.opts.include.matchesUsingParentResults(rel, incInfo);
        include = r.matched; incInfo = r.info;
      }
      if (this.opts.exclude) {
        const r = this.opts.exclude.matchesUsingParentResults(rel, excInfo);
        if (r.matched) { include = false; excluded = true; }
        excInfo = r.info;
      }
    }
    let hiddenDirSkippable = false;
    if (this.opts.contextFilter?.hidden(src)) {
      include = false;
      hiddenDirSkippable = this.opts.contextFilter.canSkipDir(src);
    }
    // In a fresh directory the target cannot exist: no lookup (through overlayfs a miss searches every lower).
    const fresh = chain?.fresh === true;
    const targetSt = fresh ? undefined : lstatOrUndefined(target);
    if (include) {
      if (this.opts.alwaysReplaceExistingDestPaths && targetSt && !(st.isDirectory() && targetSt.isDirectory())) {
        rmSync(target, { recursive: true, force: true });
      }
      this.ensureParents(chain, overwriteMeta);
    }
    if (st.isDirectory()) {
      // An excluded directory cannot hold an included entry unless a '!' pattern may re-include one.
      if (excluded && !this.opts.exclude!.hasExclusions()) return;
      if (hiddenDirSkippable) return;
      const me: ParentDir = { dst: target, st, ensured: false, fresh: false };
      if (chain !== undefined) me.next = chain;
      let created = false;
      let dirOwner: Owner | undefined;
      if (include) {
        created = this.copyDirectoryOnly(target, st, overwriteMeta);
        me.ensured = true;
        if (created) {
          const made = lstatSync(target); // one per created dir: its owner and setgid bit decide its children's
          dirOwner = { uid: made.uid, gid: made.gid };
          me.fresh = true;
          if (process.geteuid && process.getegid) me.childOwner = { uid: process.geteuid(), gid: made.mode & 0o2000 ? made.gid : process.getegid() };
        }
      }
      for (const name of readdirSync(src)) {
        await this.copy(path.join(src, name), rel === '' ? name : `${rel}/${name}`, path.join(target, name), true, me, incInfo, excInfo);
      }
      if (!overwriteMeta) {
        // The top directory keeps its target metadata unless we created it; only its times follow the source.
        if (created) copyFileInfo(target, st, this.opts, dirOwner);
        else if (targetSt) copyTimes(target, st, this.opts.timestamp);
      } else if (include) copyFileInfo(target, st, this.opts, dirOwner);
      return;
    }
    if (!include) return;
    if (!fresh) this.ensureEmptyFileTarget(target);
    if (st.isFile()) {
      if (await this.copyRegular(src, target, st)) return;
    } else if (st.isSymbolicLink()) {
      symlinkSync(readlinkSync(src, { encoding: 'buffer' }), target);
    } else if (!(await makeSpecial(target, st))) {
      return; // a socket: nothing to recreate
    }
    copyFileInfo(target, st, this.opts, chain?.childOwner);
  }

  /** Copy a regular file, or hardlink it to the earlier copy of the same inode. True when linked. */
  private async copyRegular(src: string, target: string, st: BigIntStats): Promise<boolean> {
    if (st.nlink > 1n) {
      const key = `${st.dev}:${st.ino}`;
      const first = this.inodes.get(key);
      if (first !== undefined) { linkSync(first, target); return true; }
      this.inodes.set(key, target);
    }
    if (st.size > BIG_FILE) await copyFile(src, target, COPY_FLAGS);
    else copyFileSync(src, target, COPY_FLAGS);
    return false;
  }

  /** mkdir target for a source dir; an existing non-directory is an error. True when created. */
  private copyDirectoryOnly(target: string, st: BigIntStats, overwriteMeta: boolean): boolean {
    const t = lstatOrUndefined(target);
    if (t === undefined) {
      mkdirSync(target, 0o700); // the final mode is set after the children are written
      return true;
    }
    if (!t.isDirectory()) throw new FileOpError(`cannot copy to non-directory: ${this.opts.displayTarget(target)}`);
    if (overwriteMeta) chmodSync(target, Number(st.mode & 0o7777n));
    return false;
  }

  /** Create the parents of an included entry that were skipped because they were not included themselves. */
  private ensureParents(chain: ParentDir | undefined, overwriteMeta: boolean): void {
    const pending: ParentDir[] = [];
    for (let p = chain; p !== undefined && !p.ensured; p = p.next) pending.unshift(p);
    for (const p of pending) {
      if (this.copyDirectoryOnly(p.dst, p.st, overwriteMeta)) copyFileInfo(p.dst, p.st, this.opts);
      p.ensured = true;
    }
  }

  private ensureEmptyFileTarget(target: string): void {
    const t = lstatOrUndefined(target);
    if (t === undefined) return;
    if (t.isDirectory()) throw new FileOpError(`cannot replace to directory ${this.opts.displayTarget(target)} with file`);
    unlinkSync(target);
  }
}

function lstatOrUndefined(p: string): BigIntStats | undefined {
  try { return lstatSync(p, { bigint: true }); } catch (e) {
    if (isErrno(e, 'ENOENT')) return undefined;
    throw e;
  }
}
