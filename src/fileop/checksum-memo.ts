/**
 * Persistent memo of file content digests for checksumPaths, so an unchanged build context is not re-read on
 * every build (BuildKit re-hashes every session; we need not). A record names one version of one file: its host
 * path, and the lstat fields size, mtime, inode, mode, uid, gid; a lookup with any field changed is a miss.
 *
 * Cost matters here: a cached build of a 20,000-file context loads the memo once and looks every file up. So
 * the file is a compact binary read with a few bulk operations (all paths in one string, the numbers through
 * typed-array views, the digests as one hex string), not JSON (3.6 MB of JSON took 35 ms to parse and check);
 * and it is written only when a digest was added: a build where every file hit writes nothing.
 *
 * File format (little-endian), written atomically (temp file + rename); see memo-file.ts.
 * Records are kept least recently used first; at most maxEntries are saved, the least recently used dropped.
 * Uses (hits) are counted in memory and reach the file with the next save, so a run of all-hit builds does not
 * refresh them (eviction is approximate across such builds, which is all a cache needs).
 * A missing, oversized, truncated or corrupt file (crc) gives an empty memo.
 */
import { randomBytes } from 'node:crypto';
import { readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isErrno } from '../errors.js';
import { decodeMemo, encodeMemo, type FileVersion, type MemoRecord, type MemoTable } from './memo-file.js';

export type { FileVersion } from './memo-file.js';

export interface ChecksumMemo {
  /** The digest ("sha256:<hex>") recorded for exactly this version of the file at host path `file`. */
  get(file: string, v: FileVersion): string | undefined;
  set(file: string, v: FileVersion, digest: string): void;
}

const MAX_FILE_BYTES = 256 * 1024 * 1024;
const DIGEST = /^sha256:[a-f0-9]{64}$/;

export class FileChecksumMemo implements ChecksumMemo {
  hits = 0;
  misses = 0;
  private dirty = false;
  /** Use clock: every hit or set takes the next tick; loaded records start at their file position. */
  private tick: number;
  /** Records set since load (they shadow loaded ones of the same path). */
  private readonly added = new Map<string, MemoRecord & { used: number }>();

  private constructor(private readonly file: string, private readonly loaded: MemoTable,
    private readonly maxEntries: number) {
    this.tick = loaded.paths.length;
  }

  /** Load the memo at `file`; a missing, oversized or malformed file gives an empty memo (it is only a cache). */
  static async load(file: string, opts: { maxEntries?: number } = {}): Promise<FileChecksumMemo> {
    let table: MemoTable | undefined;
    try {
      if ((await stat(file)).size <= MAX_FILE_BYTES) table = decodeMemo(await readFile(file));
    } catch (e) {
      if (!isErrno(e, 'ENOENT')) throw e;
    }
    return new FileChecksumMemo(file, table ?? decodeMemo(undefined)!, opts.maxEntries ?? 500_000);
  }

  get size(): number {
    let n = this.loaded.index.size;
    for (const k of this.added.keys()) if (!this.loaded.index.has(k)) n++;
    return n;
  }

  get(file: string, v: FileVersion): string | undefined {
    const a = this.added.get(file);
    if (a !== undefined) {
      if (!sameVersion(a, v)) { this.misses++; return undefined; }
      this.hits++;
      a.used = ++this.tick;
      return 'sha256:' + a.digest;
    }
    const t = this.loaded;
    const i = t.index.get(file);
    if (i === undefined || t.dropped[i] === 1 || !sameLoaded(t, i, v)) { this.misses++; return undefined; }
    this.hits++;
    t.used[i] = ++this.tick;
    return 'sha256:' + t.digests.slice(i * 64, i * 64 + 64);
  }

  set(file: string, v: FileVersion, digest: string): void {
    if (!DIGEST.test(digest)) throw new Error(`checksum memo: not a sha256 digest: ${digest}`);
    if (file.includes('\0')) return; // not a real path; the file format separates paths with NUL
    const i = this.loaded.index.get(file);
    if (i !== undefined) this.loaded.dropped[i] = 1;
    this.added.set(file, {
      size: v.size, mtimeMs: v.mtimeMs, ino: v.ino, mode: v.mode, uid: v.uid, gid: v.gid,
      digest: digest.slice('sha256:'.length), used: ++this.tick,
    });
    this.dirty = true;
  }

  /** Write the memo atomically; a no-op unless a digest was set since load or the last save. */
  async save(): Promise<void> {
    if (!this.dirty) return;
    const t = this.loaded;
    const all: { path: string; used: number; rec: () => MemoRecord }[] = [];
    for (let i = 0; i < t.paths.length; i++) {
      if (t.dropped[i] === 1) continue;
      all.push({ path: t.paths[i]!, used: t.used[i]!, rec: () => loadedRecord(t, i) });
    }
    for (const [p, r] of this.added) all.push({ path: p, used: r.used, rec: () => r });
    all.sort((a, b) => a.used - b.used);
    const keep = all.slice(Math.max(0, all.length - this.maxEntries));
    const body = encodeMemo(keep.map((e) => ({ path: e.path, ...e.rec() })));
    const tmp = path.join(path.dirname(this.file), `.${path.basename(this.file)}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      await writeFile(tmp, body, { flag: 'wx', mode: 0o600 });
      await rename(tmp, this.file);
    } catch (e) {
      await unlink(tmp).catch(() => undefined);
      throw e;
    }
    this.dirty = false;
  }
}

function sameVersion(a: FileVersion, b: FileVersion): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs && a.ino === b.ino && a.mode === b.mode && a.uid === b.uid && a.gid === b.gid;
}

function sameLoaded(t: MemoTable, i: number, v: FileVersion): boolean {
  const f = t.f64;
  const u = t.u32;
  return f[i * 3] === v.size && f[i * 3 + 1] === v.mtimeMs && f[i * 3 + 2] === v.ino &&
    u[i * 3] === v.mode && u[i * 3 + 1] === v.uid && u[i * 3 + 2] === v.gid;
}

function loadedRecord(t: MemoTable, i: number): MemoRecord {
  return {
    size: t.f64[i * 3]!, mtimeMs: t.f64[i * 3 + 1]!, ino: t.f64[i * 3 + 2]!,
    mode: t.u32[i * 3]!, uid: t.u32[i * 3 + 1]!, gid: t.u32[i * 3 + 2]!,
    digest: t.digests.slice(i * 64, i * 64 + 64),
  };
}
