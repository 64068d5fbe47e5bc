/**
 * Layers, one dir each: in overlay format, or in OCI marker format for the native snapshotter
 * (snapshot/overlay-format.ts). A layer is created in tmp/, filled (unpacked, or used as a RUN's upperdir), then
 * published by writing layer.json inside it and renaming the dir to layers/<id>. Only dirs with layer.json are
 * ever used, so a crash mid-way leaves nothing that a later build trusts.
 *
 * Every layer this store hands out or publishes is first added to its lease (leases.ts), so a prune or GC in
 * another process never deletes a layer a running build uses; last use is the mtime of layer.json (touch()).
 */
import { mkdir, mkdtemp, rename, rm, stat, utimes } from 'node:fs/promises';
import path from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { isErrno } from '../errors.js';
import { writeFileAtomic } from './atomic.js';
import { Lease } from './leases.js';
import { LockDir, type AcquireOptions } from './locks.js';
import { ownedTempPrefix, sweepDeadTemps } from './tmp-sweep.js';
import type { StateDir } from './state-dir.js';
import { readTextIfExists } from '../util/fs.js';

const LayerMetaSchema = Type.Object({
  id: Type.String(),
  /** sha256 of the layer as an uncompressed OCI tar, when known (image layers). */
  diffId: Type.Optional(Type.String()),
  /** The registry blob it came from, reusable on export. */
  blob: Type.Optional(Type.Object({ digest: Type.String(), size: Type.Integer(), mediaType: Type.String() })),
  empty: Type.Optional(Type.Boolean()),
  created: Type.String(),
});
export type LayerMeta = Static<typeof LayerMetaSchema>;
const LayerMetaCheck = TypeCompiler.Compile(LayerMetaSchema);

export interface Layer {
  readonly id: string;
  /** The layer dir (an overlay lowerdir, or a marker-format dir for the native snapshotter). */
  readonly dir: string;
  readonly meta: LayerMeta;
}

export interface PendingLayer {
  /** Work dir under tmp/: the layer content goes in `diff`, overlay's workdir in `work`. */
  readonly root: string;
  readonly diff: string;
  readonly work: string;
}

const ID_RE = /^[a-f0-9]{64}$/;

export class LayerStore {
  private readonly known = new Map<string, Layer>();
  private readonly ensuring = new Map<string, Promise<Layer>>();
  private readonly locks: LockDir;
  /** Leftovers of killed builds are swept once per process, on the first miss (never on a fully cached build). */
  private swept: Promise<unknown> | undefined;
  private readonly touched = new Set<string>();
  /**
   * What this build uses, protected from prune/GC until release. Layers are added by get/commit; others (cache
   * mounts) may add the record ids they use.
   */
  readonly lease: Lease;
  constructor(private readonly state: StateDir) {
    this.locks = new LockDir(path.join(state.root, 'locks'));
    this.lease = new Lease(path.join(state.root, 'leases'));
  }

  private dirOf(id: string): string {
    if (!ID_RE.test(id)) throw new Error(`bad layer id ${id}`);
    return path.join(this.state.layers, id);
  }

  /**
   * The published layer, or undefined when it does not exist (or is incomplete). The id is leased BEFORE the
   * layer is looked at (the order the lease protocol needs), so a layer returned here stays until release.
   */
  async get(id: string): Promise<Layer | undefined> {
    const hit = this.known.get(id);
    if (hit) return hit;
    const root = this.dirOf(id);
    await this.lease.add(id);
    const raw = await readTextIfExists(path.join(root, 'layer.json'));
    if (raw === undefined) return undefined;
    const meta: unknown = JSON.parse(raw);
    if (!LayerMetaCheck.Check(meta)) return undefined;
    const layer = { id, dir: path.join(root, 'diff'), meta };
    this.known.set(id, layer);
    return layer;
  }

  /**
   * The layer `id`, made by `fill` (into a pending layer, returning its meta) unless it exists. At most one
   * process (and one call in this process) fills a given id at a time: others wait on its lock, then find it.
   */
  ensure(id: string, fill: (pending: PendingLayer) => Promise<Omit<LayerMeta, 'id' | 'created'>>, opts: AcquireOptions = {}): Promise<Layer> {
    let p = this.ensuring.get(id);
    if (!p) {
      p = this.ensureLocked(id, fill, opts);
      this.ensuring.set(id, p);
      void p.finally(() => this.ensuring.delete(id)).catch(() => undefined);
    }
    return p;
  }

  private async ensureLocked(id: string, fill: (pending: PendingLayer) => Promise<Omit<LayerMeta, 'id' | 'created'>>, opts: AcquireOptions): Promise<Layer> {
    const have = await this.get(id);
    if (have) return have;
    return this.locks.with(`layer-${id}`, async () => {
      const again = await this.get(id);
      if (again) return again;
      const pending = await this.create();
      try {
        return await this.commit(pending, id, await fill(pending));
      } catch (e) {
        await this.discard(pending);
        throw e;
      }
    }, opts);
  }

  async create(): Promise<PendingLayer> {
    this.swept ??= sweepDeadTemps(this.state.tmp).catch(() => undefined);
    await this.swept;
    const root = await mkdtemp(ownedTempPrefix(this.state.tmp, 'layer'));
    const diff = path.join(root, 'diff');
    const work = path.join(root, 'work');
    await mkdir(diff, { mode: 0o755 });
    await mkdir(work);
    return { root, diff, work };
  }

  /** Publish a pending layer under `id`. If another build published it first, ours is discarded. */
  async commit(pending: PendingLayer, id: string, meta: Omit<LayerMeta, 'id' | 'created'>): Promise<Layer> {
    await rm(pending.work, { recursive: true, force: true });
    const full: LayerMeta = { ...meta, id, created: new Date().toISOString() };
    await writeFileAtomic(path.join(pending.root, 'layer.json'), JSON.stringify(full));
    const dest = this.dirOf(id);
    await this.lease.add(id); // leased before it is visible in layers/
    try {
      await rename(pending.root, dest);
    } catch (e) {
      if (!isErrno(e, 'ENOTEMPTY') && !isErrno(e, 'EEXIST')) throw e;
      await rm(pending.root, { recursive: true, force: true });
      const existing = await this.get(id);
      if (existing) return existing;
      throw e;
    }
    const layer = { id, dir: path.join(dest, 'diff'), meta: full };
    this.known.set(id, layer);
    return layer;
  }

  /**
   * Mark layers used now (a cache hit): layer.json's mtime is a layer's last use for du, prune --keep-duration
   * and the GC's LRU order. Once per layer per build: a few utimes(2) on the fully cached path.
   */
  async touch(ids: readonly string[], now = new Date()): Promise<void> {
    await Promise.all(ids.filter((id) => !this.touched.has(id)).map(async (id) => {
      this.touched.add(id);
      await utimes(path.join(this.dirOf(id), 'layer.json'), now, now).catch((e: unknown) => { if (!isErrno(e, 'ENOENT')) throw e; });
    }));
  }

  async discard(pending: PendingLayer): Promise<void> {
    await rm(pending.root, { recursive: true, force: true });
  }

  async exists(id: string): Promise<boolean> {
    try {
      await stat(path.join(this.dirOf(id), 'layer.json'));
      return true;
    } catch (e) {
      if (isErrno(e, 'ENOENT')) return false;
      throw e;
    }
  }
}
