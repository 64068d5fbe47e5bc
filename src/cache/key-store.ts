/**
 * Cache key -> result record. A record names, per output of the vertex, the stack of layer ids that make up
 * its snapshot. Records are written atomically after the layers they name are published.
 */
import { utimes } from 'node:fs/promises';
import path from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { digestHex } from '../oci/digest.js';
import { writeFileAtomic } from './atomic.js';
import { LockDir, type AcquireOptions, type Lock } from './locks.js';
import type { StateDir } from './state-dir.js';
import { readTextIfExists } from '../util/fs.js';
import { isErrno } from '../errors.js';

const CacheRecordSchema = Type.Object({
  /** Per output index: the layer ids bottom to top. */
  outputs: Type.Array(Type.Array(Type.String())),
  created: Type.String(),
});
export type CacheRecord = Static<typeof CacheRecordSchema>;
const CacheRecordCheck = TypeCompiler.Compile(CacheRecordSchema);

export class KeyStore {
  private readonly locks: LockDir;
  constructor(private readonly state: StateDir) {
    this.locks = new LockDir(path.join(state.root, 'locks'));
  }

  /**
   * The cross-process lock of one cache key: held while the vertex behind it executes and its record is put,
   * so a concurrent build of the same key waits and then hits instead of doing the work again.
   */
  lock(key: string, opts: AcquireOptions = {}): Promise<Lock> {
    return this.locks.acquire(`key-${digestHex(key)}`, opts);
  }

  private fileOf(key: string): string {
    return path.join(this.state.keys, digestHex(key) + '.json');
  }

  async get(key: string): Promise<CacheRecord | undefined> {
    const raw = await readTextIfExists(this.fileOf(key));
    if (raw === undefined) return undefined;
    try {
      const rec: unknown = JSON.parse(raw);
      return CacheRecordCheck.Check(rec) ? rec : undefined;
    } catch {
      return undefined; // a torn write cannot happen (atomic rename), but never trust a bad record
    }
  }

  /** Mark the record used now (a cache hit); its file's mtime is its last use. A record pruned meanwhile is fine. */
  async touch(key: string, now = new Date()): Promise<void> {
    await utimes(this.fileOf(key), now, now).catch((e: unknown) => { if (!isErrno(e, 'ENOENT')) throw e; });
  }

  async put(key: string, outputs: string[][]): Promise<void> {
    const rec: CacheRecord = { outputs, created: new Date().toISOString() };
    await writeFileAtomic(this.fileOf(key), JSON.stringify(rec));
  }
}
