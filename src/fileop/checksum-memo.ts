/**
 * Persistent memo of file content digests for checksumPaths, so an unchanged build context is not
 * re-read on every build (BuildKit re-hashes every session; we need not). A key names one version of
 * one file: (host path, size, mtime ns, inode, mode, uid, gid). The memo is one JSON file in the state
 * dir: loaded once, saved atomically (temp file + rename), capped in entries, least recently used dropped.
 */
import { randomBytes } from 'node:crypto';
import { readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { isErrno } from '../errors.js';

export interface ChecksumMemo {
  get(key: string): string | undefined;
  set(key: string, digest: string): void;
}

/** Shape of the memo file, written only by FileChecksumMemo.save. */
const MemoFile = Type.Object({
  version: Type.Literal(1),
  entries: Type.Array(Type.Tuple([Type.String(), Type.String({ pattern: '^sha256:[a-f0-9]{64}$' })])),
});
const checkMemoFile = TypeCompiler.Compile(MemoFile);

const MAX_FILE_BYTES = 128 * 1024 * 1024;

export class FileChecksumMemo implements ChecksumMemo {
  hits = 0;
  misses = 0;
  private dirty = false;

  private constructor(private readonly file: string, private readonly entries: Map<string, string>,
    private readonly maxEntries: number) {}

  /** Load the memo at `file`; a missing, oversized or malformed file gives an empty memo (it is only a cache). */
  static async load(file: string, opts: { maxEntries?: number } = {}): Promise<FileChecksumMemo> {
    const entries = new Map<string, string>();
    try {
      if ((await stat(file)).size <= MAX_FILE_BYTES) {
        const parsed: unknown = JSON.parse(await readFile(file, 'utf8'));
        if (checkMemoFile.Check(parsed)) for (const [k, v] of parsed.entries) entries.set(k, v);
      }
    } catch (e) {
      if (!isErrno(e, 'ENOENT') && !(e instanceof SyntaxError)) throw e;
    }
    return new FileChecksumMemo(file, entries, opts.maxEntries ?? 500_000);
  }

  get size(): number { return this.entries.size; }

  get(key: string): string | undefined {
    const v = this.entries.get(key);
    if (v === undefined) { this.misses++; return undefined; }
    this.hits++;
    // Move to the back: Map iteration order is insertion order, so the front is least recently used.
    this.entries.delete(key);
    this.entries.set(key, v);
    this.dirty = true;
    return v;
  }

  set(key: string, digest: string): void {
    this.entries.delete(key);
    this.entries.set(key, digest);
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.dirty = true;
  }

  /** Write the memo atomically; a no-op when nothing changed since load or the last save. */
  async save(): Promise<void> {
    if (!this.dirty) return;
    const body = JSON.stringify({ version: 1, entries: [...this.entries] });
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
