/**
 * ADD of a local archive: extract it into the destination directory (BuildKit file/unpack.go with docker's
 * archive semantics): entries keep their mode, mtime and numeric owner, or all get the --chown owner; missing
 * parents are created 0755; an existing entry is replaced unless both are directories; symlink targets are
 * written verbatim.
 *
 * Safety, as a chroot at the destination would give: every entry's parent is resolved inside the destination
 * (`..` stops there, symlinks from the archive or the image are followed inside it), names and hardlink targets
 * that climb out with `..` are refused, files are created with O_EXCL|O_NOFOLLOW after removing what was there.
 * So no entry can write outside the destination, whatever the archive or the base image holds.
 */
import { execFileSync } from 'node:child_process';
import {
  closeSync, constants, lchownSync, linkSync, lstatSync, lutimesSync, chmodSync, mkdirSync, openSync, readlinkSync,
  rmSync, symlinkSync, writeSync,
} from 'node:fs';
import path from 'node:path';
import { Parser, type ReadEntry } from 'tar';
import { FileOpError, isErrno } from '../errors.js';
import { detectArchive, openDecompressed } from './archive-stream.js';
import { mkdirAllHost, type MkdirAllOptions } from './mkdir-all.js';
import type { ChownOpt } from './types.js';

export interface UnpackOptions {
  archive: string;
  /** The root the destination lies in (for messages). */
  destRoot: string;
  /** Host path of the destination directory, already resolved inside destRoot. Created when missing. */
  dest: string;
  chown?: ChownOpt | undefined;
  parentOpts: MkdirAllOptions;
}

/** Extract `archive` into dest when it is a tar archive; false (nothing written) when it is not one. */
export async function unpackIfArchive(o: UnpackOptions): Promise<boolean> {
  const kind = await detectArchive(o.archive);
  if (kind === undefined) return false;
  await mkdirAllHost(o.destRoot, o.dest, o.parentOpts);
  const ex = new Extractor(o);
  const parser = new Parser({ strict: true, onReadEntry: (e: ReadEntry) => ex.entry(e) });
  const input = openDecompressed(o.archive, kind);
  await new Promise<void>((resolve, reject) => {
    const fail = (e: unknown): void => { input.destroy(); reject(e); };
    input.on('error', fail);
    parser.on('error', fail);
    parser.on('end', resolve);
    input.pipe(parser);
  });
  if (ex.failure) throw ex.failure;
  ex.finishDirs();
  return true;
}

interface DirMeta { host: string; mode: number; mtime: Date | undefined }

class Extractor {
  failure: Error | undefined;
  private readonly dirs: DirMeta[] = [];
  private readonly base: string;

  constructor(private readonly o: UnpackOptions) {
    this.base = path.resolve(o.dest);
  }

  entry(e: ReadEntry): void {
    if (this.failure) { e.resume(); return; }
    try {
      this.apply(e);
    } catch (err) {
      this.failure = err instanceof FileOpError ? err
        : new FileOpError(`extracting ${JSON.stringify(e.path)} from ${path.basename(this.o.archive)}: ${(err as Error).message}`);
      e.resume();
    }
  }

  private apply(e: ReadEntry): void {
    const name = inside(e.path, e.path);
    if (name === '') { e.resume(); return; } // "./": the destination itself is left as it is (docker)
    const parent = this.resolve(path.posix.dirname(name));
    this.mkdirParents(parent);
    const target = path.join(parent, path.posix.basename(name));
    const existing = lstatOrUndefined(target);
    if (existing && !(existing.isDirectory() && e.type === 'Directory')) rmSync(target, { recursive: true, force: true });
    const mode = (e.mode ?? 0o644) & 0o7777;
    switch (e.type) {
      case 'Directory':
        if (!existing?.isDirectory()) mkdirSync(target, 0o700);
        this.own(target, e);
        this.dirs.push({ host: target, mode, mtime: e.mtime });
        e.resume();
        return;
      case 'File':
      case 'OldFile':
      case 'ContiguousFile': {
        const fd = openSync(target, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
        e.on('data', (chunk: Buffer) => { if (!this.failure) writeSync(fd, chunk); });
        e.on('end', () => {
          closeSync(fd);
          try { this.finish(target, e, mode); } catch (err) { this.failure ??= err as Error; }
        });
        return;
      }
      case 'SymbolicLink':
        symlinkSync(e.linkpath ?? '', target);
        this.own(target, e);
        if (e.mtime) lutimesSync(target, e.mtime, e.mtime);
        e.resume();
        return;
      case 'Link': {
        const rel = inside(e.linkpath ?? '', e.path);
        const from = path.join(this.resolve(path.posix.dirname(rel)), path.posix.basename(rel));
        linkSync(from, target);
        e.resume();
        return;
      }
      case 'CharacterDevice':
      case 'BlockDevice':
      case 'FIFO':
        if (makeNode(target, e)) this.finish(target, e, mode);
        e.resume();
        return;
      default:
        e.resume(); // pax/GNU meta entries are consumed by the parser; anything else is skipped like docker does
    }
  }

  private finish(target: string, e: ReadEntry, mode: number): void {
    this.own(target, e);
    chmodSync(target, mode);
    if (e.mtime) lutimesSync(target, e.atime ?? e.mtime, e.mtime);
  }

  private own(target: string, e: ReadEntry): void {
    const uid = this.o.chown?.uid ?? e.uid ?? 0;
    const gid = this.o.chown?.gid ?? e.gid ?? 0;
    try { lchownSync(target, uid, gid); } catch (err) {
      if (isErrno(err, 'EINVAL')) throw new FileOpError(`cannot give ${JSON.stringify(e.path)} owner ${uid}:${gid}: the id is not mapped in this user namespace`);
      throw err;
    }
  }

  /** Parents the archive did not list: 0755, owned by root or the --chown owner (docker's MkdirAllAndChownNew). */
  private mkdirParents(dir: string): void {
    let cur = this.base;
    for (const c of path.relative(this.base, dir).split(path.sep).filter((x) => x !== '')) {
      cur = path.join(cur, c);
      if (lstatOrUndefined(cur)) continue;
      mkdirSync(cur);
      chmodSync(cur, 0o755);
      lchownSync(cur, this.o.chown?.uid ?? 0, this.o.chown?.gid ?? 0);
    }
  }

  /** Directory modes and times last: writing the entries below them would change their mtime. */
  finishDirs(): void {
    for (const d of this.dirs.reverse()) {
      chmodSync(d.host, d.mode);
      if (d.mtime) lutimesSync(d.host, d.mtime, d.mtime);
    }
  }

  /** Resolve a relative directory path inside the destination as in a chroot (synchronous: entries stream by). */
  private resolve(rel: string): string {
    let pending = rel.split('/').filter((c) => c !== '' && c !== '.');
    const done: string[] = [];
    for (let hops = 0; pending.length > 0;) {
      const comp = pending.shift()!;
      if (comp === '..') { done.pop(); continue; }
      const host = path.join(this.base, ...done, comp);
      const st = lstatOrUndefined(host);
      if (!st?.isSymbolicLink()) { done.push(comp); continue; }
      if (++hops > 255) throw new FileOpError(`too many levels of symbolic links below ${JSON.stringify(rel)}`);
      const link = readlinkSync(host);
      if (link.startsWith('/')) done.length = 0;
      pending = [...link.split('/').filter((c) => c !== '' && c !== '.'), ...pending];
    }
    return path.join(this.base, ...done);
  }
}

/** An archive name, cleaned and relative; refused when `..` climbs out of the destination. */
function inside(name: string, entry: string): string {
  const cleaned = path.posix.normalize(name.replace(/^\/+/, '')).replace(/\/+$/, '');
  if (cleaned === '..' || cleaned.startsWith('../')) {
    throw new FileOpError(`archive entry ${JSON.stringify(entry)}: ${JSON.stringify(name)} is outside of the destination`);
  }
  return cleaned === '.' ? '' : cleaned;
}

function makeNode(target: string, e: ReadEntry): boolean {
  const args = e.type === 'FIFO' ? [target, 'p']
    : [target, e.type === 'CharacterDevice' ? 'c' : 'b', String(e.header.devmaj ?? 0), String(e.header.devmin ?? 0)];
  try {
    execFileSync('mknod', ['-m', '600', ...args], { stdio: 'pipe' });
    return true;
  } catch {
    // Device nodes cannot be made in a user namespace; docker skips them there too.
    return false;
  }
}

function lstatOrUndefined(p: string) {
  try { return lstatSync(p); } catch (e) {
    if (isErrno(e, 'ENOENT') || isErrno(e, 'ENOTDIR')) return undefined;
    throw e;
  }
}
