/**
 * `RUN --mount=type=cache` directories, kept in the state dir (so across builds with a persistent --root), as
 * BuildKit's persistent cache mounts (solver/llbsolver/mounts: getRefCacheDir):
 * - a cache is identified by its id plus what it was seeded from (BuildKit keys by id and the base ref): the
 *   `from`/`source` content, or the mode/uid/gid of the fresh dir. Its content is never part of a cache key;
 * - one cache can have several instances: dir `<root>/<sha256(identity)>/<n>/data`, complete once `<n>/ready`
 *   exists (written after seeding, so a crash mid-seed leaves an instance that is seeded again);
 * - sharing=shared: every user gets instance 0 at the same time;
 *   sharing=locked: users of instance 0 take turns (also across processes sharing a --root, by a lock dir);
 *   sharing=private: a user gets an instance nobody else is using, a fresh one when all are busy.
 * Locks across processes are `<n>.lock` dirs made with mkdir (atomic) holding the owner's pid; one whose owner
 * is gone is taken over.
 *
 * For --export-cache mounts=true (src/cache/mounts-transfer/): a store remembers which caches IT leased (a store
 * lives as long as one build's worker), so an export takes only this build's caches, never the other caches of
 * a shared --root; and an optional `importer` fills a new instance from an imported cache before any seed.
 */
import { mkdir, readFile, rename, rm, stat, writeFile, chmod, chown } from 'node:fs/promises';
import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { canonicalJson, type Canonical } from '../llb/canonical.js';
import type { CacheSharing, ExecMount } from '../llb/ops.js';
import { isErrno } from '../errors.js';
import { exists } from '../util/fs.js';

export interface CacheMountRequest {
  readonly id: string;
  readonly sharing: CacheSharing;
  /** What seeds a new instance besides mode/uid/gid: an identity (part of the cache's identity) and a filler. */
  readonly seed?: { readonly key: Canonical; readonly fill: (dir: string) => Promise<void> };
  readonly mode?: number;
  readonly uid?: number;
  readonly gid?: number;
  readonly signal?: AbortSignal;
}

export interface CacheMountLease {
  /** Host dir to bind into the container. */
  readonly dir: string;
  release(): Promise<void>;
}

interface InstanceState { users: number; exclusive: boolean; waiters: (() => void)[] }

/**
 * Fill `dataDir` (empty, not yet in use) with the imported content of the cache `identity`; false when there is
 * none or it could not be used. On false the store empties the dir again and seeds it as a new cache.
 */
export type CacheMountImporter = (identity: string, dataDir: string, signal?: AbortSignal) => Promise<boolean>;

export interface CacheMountsOptions {
  readonly importer?: CacheMountImporter;
  /**
   * Called with a cache's identity before it is touched (the build's GC lease: src/cache/leases.ts), so a
   * concurrent prune leaves a cache mount that is in use alone.
   */
  readonly onUse?: (identity: string) => Promise<void>;
}

/**
 * What names a `RUN --mount=type=cache` besides its seed, from the op's mount: the id (default: the target
 * path, as BuildKit) and the mode/uid/gid of a new dir. The executor and the mounts=true export (which must find
 * the same cache without running the RUN) both take it from here.
 */
export function cacheMountIdentityOf(m: Pick<ExecMount, 'cacheId' | 'dest' | 'mode' | 'uid' | 'gid'>): Pick<CacheMountRequest, 'id' | 'mode' | 'uid' | 'gid'> {
  return {
    id: m.cacheId ?? m.dest,
    ...(m.mode !== undefined ? { mode: m.mode } : {}), ...(m.uid !== undefined ? { uid: m.uid } : {}), ...(m.gid !== undefined ? { gid: m.gid } : {}),
  };
}

/** A cache this store leased: its identity (dir name under the root) and its last leased instance dir. */
export interface UsedCacheMount {
  readonly identity: string;
  readonly instance: string;
  readonly dataDir: string;
  readonly sharing: CacheSharing;
}

const LOCK_POLL_MS = 50;

export class CacheMounts {
  private readonly instances = new Map<string, InstanceState>();
  private readonly seeding = new Map<string, Promise<void>>();
  /** identity -> the instance leased last (released last wins: private caches' most recently used one). */
  private readonly used = new Map<string, UsedCacheMount>();

  constructor(readonly root: string, private readonly options: CacheMountsOptions = {}) {}

  /** The caches this store leased so far, in first-use order, each with the instance used last. */
  usedMounts(): UsedCacheMount[] {
    return [...this.used.values()];
  }

  /**
   * Keep a used instance from changing while `fn` reads it: locked and private instances are taken as a RUN takes
   * them (waiting for users in this and other processes); shared ones have no lock, so a writer in another
   * process may still change them (a cache mount is only a cache).
   */
  async withInstance<T>(m: UsedCacheMount, signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
    if (m.sharing === 'shared') return fn();
    await this.takeExclusive(m.instance, signal, true);
    try {
      return await fn();
    } finally {
      await dropLockDir(m.instance);
      this.release(m.instance);
    }
  }

  /** The dir holding all instances of the cache for this request. */
  cacheDir(req: Pick<CacheMountRequest, 'id' | 'seed' | 'mode' | 'uid' | 'gid'>): string {
    const identity: Canonical = { id: req.id, seed: req.seed?.key ?? null, mode: req.mode ?? null, uid: req.uid ?? null, gid: req.gid ?? null };
    return path.join(this.root, createHash('sha256').update(canonicalJson(identity)).digest('hex'));
  }

  async acquire(req: CacheMountRequest): Promise<CacheMountLease> {
    const base = this.cacheDir(req);
    await this.options.onUse?.(path.basename(base));
    if (req.sharing === 'shared') {
      const inst = path.join(base, '0');
      this.state(inst).users += 1;
      return this.lease(inst, req, async () => { this.release(inst); });
    }
    if (req.sharing === 'locked') {
      const inst = path.join(base, '0');
      await this.takeExclusive(inst, req.signal, true);
      return this.lease(inst, req, async () => { await dropLockDir(inst); this.release(inst); });
    }
    for (let n = 0; ; n++) {
      const inst = path.join(base, String(n));
      if (await this.tryExclusive(inst)) return this.lease(inst, req, async () => { await dropLockDir(inst); this.release(inst); });
    }
  }

  private async lease(inst: string, req: CacheMountRequest, release: () => Promise<void>): Promise<CacheMountLease> {
    try {
      await this.ensureSeeded(inst, req);
    } catch (e) {
      await release();
      throw e;
    }
    this.markUsed(inst, req.sharing);
    let released = false;
    return {
      dir: path.join(inst, 'data'),
      release: async () => {
        if (released) return;
        released = true;
        this.markUsed(inst, req.sharing);
        await release();
      },
    };
  }

  private markUsed(inst: string, sharing: CacheSharing): void {
    const identity = path.basename(path.dirname(inst));
    this.used.set(identity, { identity, instance: inst, dataDir: path.join(inst, 'data'), sharing });
  }

  private state(inst: string): InstanceState {
    let s = this.instances.get(inst);
    if (!s) {
      s = { users: 0, exclusive: false, waiters: [] };
      this.instances.set(inst, s);
    }
    return s;
  }

  private release(inst: string): void {
    const s = this.state(inst);
    if (s.exclusive) s.exclusive = false;
    else s.users = Math.max(0, s.users - 1);
    for (const w of s.waiters.splice(0)) w();
  }

  /** private: take the instance if nobody in this process uses it and no other process holds its lock. */
  private async tryExclusive(inst: string): Promise<boolean> {
    const s = this.state(inst);
    if (s.exclusive || s.users > 0) return false;
    s.exclusive = true;
    if (await takeLockDir(inst)) return true;
    s.exclusive = false;
    return false;
  }

  /** locked: wait for in-process users to leave, then for the cross-process lock. */
  private async takeExclusive(inst: string, signal: AbortSignal | undefined, wait: boolean): Promise<void> {
    const s = this.state(inst);
    while (s.exclusive || s.users > 0) {
      signal?.throwIfAborted();
      await new Promise<void>((resolve) => s.waiters.push(resolve));
    }
    s.exclusive = true;
    try {
      while (!(await takeLockDir(inst))) {
        if (!wait) throw new Error('cache mount lock busy');
        await sleep(LOCK_POLL_MS, undefined, signal ? { signal } : {});
      }
    } catch (e) {
      this.release(inst);
      throw e;
    }
  }

  /** A new instance: a dir with the mode/owner asked (default 0755 root), filled from the seed, then marked ready. */
  private ensureSeeded(inst: string, req: CacheMountRequest): Promise<void> {
    let p = this.seeding.get(inst);
    if (!p) {
      p = (async () => {
        if (await exists(path.join(inst, 'ready'))) return;
        await mkdir(inst, { recursive: true, mode: 0o700 });
        const tmp = path.join(inst, `data.tmp-${randomBytes(4).toString('hex')}`);
        await mkdir(tmp, { mode: 0o755 });
        try {
          const imported = await this.tryImport(path.basename(path.dirname(inst)), tmp, req.signal);
          if (req.seed && !imported) await req.seed.fill(tmp);
          if (req.mode !== undefined || !req.seed) await chmod(tmp, req.mode ?? 0o755);
          if (req.uid !== undefined || req.gid !== undefined || !req.seed) await chown(tmp, req.uid ?? 0, req.gid ?? 0);
          const data = path.join(inst, 'data');
          await rm(data, { recursive: true, force: true }); // a seed that never completed
          await rename(tmp, data);
          await writeFile(path.join(inst, 'ready'), '');
        } catch (e) {
          await rm(tmp, { recursive: true, force: true });
          throw e;
        }
      })();
      this.seeding.set(inst, p);
      p.catch(() => this.seeding.delete(inst));
    }
    return p;
  }

  /** The importer's content in `tmp`, or an empty `tmp` again when it had none or failed. */
  private async tryImport(identity: string, tmp: string, signal: AbortSignal | undefined): Promise<boolean> {
    const importer = this.options.importer;
    if (importer === undefined) return false;
    if (await importer(identity, tmp, signal)) return true;
    await rm(tmp, { recursive: true, force: true });
    await mkdir(tmp, { mode: 0o755 });
    return false;
  }
}

/** mkdir-based lock with the owner's pid; a lock whose owner no longer runs is taken over. */
async function takeLockDir(inst: string): Promise<boolean> {
  const lock = `${inst}.lock`;
  await mkdir(path.dirname(lock), { recursive: true, mode: 0o700 });
  try {
    await mkdir(lock);
  } catch (e) {
    if (!isErrno(e, 'EEXIST')) throw e;
    if (!(await staleLock(lock))) return false;
    await rm(lock, { recursive: true, force: true });
    return takeLockDir(inst);
  }
  await writeFile(path.join(lock, 'pid'), String(process.pid));
  return true;
}

async function dropLockDir(inst: string): Promise<void> {
  await rm(`${inst}.lock`, { recursive: true, force: true });
}

async function staleLock(lock: string): Promise<boolean> {
  let pid: number;
  try {
    pid = Number(await readFile(path.join(lock, 'pid'), 'utf8'));
  } catch (e) {
    if (!isErrno(e, 'ENOENT')) throw e;
    // Just made, pid not written yet; stale only if it stays so.
    const st = await stat(lock).catch(() => undefined);
    return st !== undefined && Date.now() - st.mtimeMs > 5000;
  }
  if (!Number.isInteger(pid) || pid <= 0) return true;
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return isErrno(e, 'ESRCH');
  }
}

