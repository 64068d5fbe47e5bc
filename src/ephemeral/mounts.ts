/**
 * Every merged view of layers this process makes goes through here, so that on exit, failure or a signal each
 * one is undone (mounts unmounted deepest first, copies removed) before the ephemeral dir is removed.
 *
 * Two snapshotters give the same result for the same request:
 * - overlayfs: an overlay mount of the lowers (+ upper/work) at a fresh mount point;
 * - native (full copies, where overlayfs cannot be used): the lowers are materialized into a copy under
 *   copyRoot, fn runs on it, and for a writable request the changes are diffed into req.upper in marker format
 *   (snapshot/overlay-format.ts: the layer dirs of a native state dir keep OCI `.wh.` markers). A view never
 *   shows a marker.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { diffToUpper, hasMarkers, materialize, mountOverlay, recordTree, unmount, type SnapshotterName } from '../snapshot/index.js';

export interface OverlayRequest {
  /** Bottom to top. Empty = scratch. */
  readonly lowers: readonly string[];
  /** The writable layer: with overlayfs the upperdir, with native the dir the changes are diffed into. */
  readonly upper?: string;
  /** overlayfs's workdir (unused by native). */
  readonly work?: string;
  /** A view fn must not write to. With native and one lower without markers, fn gets the layer dir itself. */
  readonly readonly?: boolean;
}

export interface MountTrackerOptions {
  /** Where mount points (and the empty scratch dir) are made: the ephemeral run dir. */
  readonly mountRoot: string;
  /** In a user namespace: overlay with `userxattr`, opaque dirs as user.overlay.opaque. */
  readonly rootless: boolean;
  readonly snapshotter: SnapshotterName;
  /** Where native copies are made: on the state dir's filesystem (state.tmp), not in a tmpfs run dir. */
  readonly copyRoot: string;
}

export class MountTracker {
  readonly snapshotter: SnapshotterName;
  private readonly active = new Set<string>();
  private readonly copies = new Set<string>();
  /** Layer dir -> whether it holds `.wh.` entries; layer dirs never change once published. */
  private readonly markers = new Map<string, Promise<boolean>>();
  private emptyDir: string | undefined;

  constructor(private readonly opts: MountTrackerOptions) {
    this.snapshotter = opts.snapshotter;
  }

  /**
   * Give fn a dir showing the lowers merged (plus, when writable, a place whose changes end up in req.upper),
   * and undo it afterwards, also when fn throws.
   */
  async withMerged<T>(req: OverlayRequest, fn: (root: string) => Promise<T>): Promise<T> {
    return this.opts.snapshotter === 'native' ? this.withCopy(req, fn) : this.withOverlay(req, fn);
  }

  private async withOverlay<T>(req: OverlayRequest, fn: (mountpoint: string) => Promise<T>): Promise<T> {
    await mkdir(this.opts.mountRoot, { recursive: true });
    const target = await mkdtemp(path.join(this.opts.mountRoot, 'm-'));
    let lowers = [...req.lowers];
    if (lowers.length === 0) lowers = [await this.empty()];
    await mountOverlay({
      lowers,
      target,
      userxattr: this.opts.rootless,
      ...(req.upper !== undefined ? { upper: req.upper } : {}),
      ...(req.work !== undefined ? { work: req.work } : {}),
      ...(req.readonly !== undefined ? { readonly: req.readonly } : {}),
    });
    this.active.add(target);
    try {
      return await fn(target);
    } finally {
      await unmount(target);
      this.active.delete(target);
      await rm(target, { recursive: true, force: true });
    }
  }

  private async withCopy<T>(req: OverlayRequest, fn: (root: string) => Promise<T>): Promise<T> {
    const { lowers, upper } = req;
    if (upper === undefined) {
      // Read-only: no copy where no merge is needed.
      if (lowers.length === 0) return fn(await this.empty());
      if (lowers.length === 1 && !(await this.hasMarkers(lowers[0]!))) return fn(lowers[0]!);
    } else if (lowers.length === 0) {
      return fn(upper);
    }
    await mkdir(this.opts.copyRoot, { recursive: true });
    const copy = await mkdtemp(path.join(this.opts.copyRoot, 'native-'));
    this.copies.add(copy);
    try {
      const rootfs = path.join(copy, 'rootfs');
      await materialize({ layers: lowers, dest: rootfs, rootless: this.opts.rootless });
      if (upper === undefined) return await fn(rootfs);
      const before = recordTree(rootfs);
      const result = await fn(rootfs);
      await diffToUpper({ root: rootfs, before, upper, rootless: this.opts.rootless });
      return result;
    } finally {
      await rm(copy, { recursive: true, force: true });
      this.copies.delete(copy);
    }
  }

  /** Whether a layer dir holds markers, which a view must not show: then even one lower is materialized. */
  private hasMarkers(dir: string): Promise<boolean> {
    let p = this.markers.get(dir);
    if (p === undefined) {
      p = hasMarkers(dir);
      this.markers.set(dir, p);
      p.catch(() => this.markers.delete(dir));
    }
    return p;
  }

  private async empty(): Promise<string> {
    if (!this.emptyDir) {
      this.emptyDir = path.join(this.opts.mountRoot, 'empty');
      await mkdir(this.emptyDir, { recursive: true });
    }
    return this.emptyDir;
  }

  /**
   * Unmount everything still mounted and remove native copies still there (copyRoot may be a persistent
   * state dir's tmp/); errors are collected, not thrown, so cleanup goes on.
   */
  async unmountAll(): Promise<Error[]> {
    const errors: Error[] = [];
    for (const target of [...this.active].reverse()) {
      try {
        await unmount(target);
        this.active.delete(target);
      } catch (e) {
        errors.push(e as Error);
      }
    }
    for (const copy of [...this.copies]) {
      try {
        await rm(copy, { recursive: true, force: true });
        this.copies.delete(copy);
      } catch (e) {
        errors.push(e as Error);
      }
    }
    return errors;
  }
}
