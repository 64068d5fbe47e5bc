/**
 * Every mount this process makes goes through here, so that on exit, failure or a signal each one is
 * unmounted (deepest first) before the ephemeral dir is removed.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { mountOverlay, unmount } from '../snapshot/index.js';

export interface OverlayRequest {
  /** Bottom to top. Empty = scratch. */
  readonly lowers: readonly string[];
  readonly upper?: string;
  readonly work?: string;
  readonly readonly?: boolean;
}

export class MountTracker {
  private readonly active = new Set<string>();
  private emptyDir: string | undefined;

  constructor(private readonly mountRoot: string, private readonly userxattr: boolean) {}

  /** Mount an overlay at a fresh mount point, run fn on it, unmount (also when fn throws). */
  async withOverlay<T>(req: OverlayRequest, fn: (mountpoint: string) => Promise<T>): Promise<T> {
    await mkdir(this.mountRoot, { recursive: true });
    const target = await mkdtemp(path.join(this.mountRoot, 'm-'));
    let lowers = [...req.lowers];
    if (lowers.length === 0) lowers = [await this.empty()];
    await mountOverlay({
      lowers,
      target,
      userxattr: this.userxattr,
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

  private async empty(): Promise<string> {
    if (!this.emptyDir) {
      this.emptyDir = path.join(this.mountRoot, 'empty');
      await mkdir(this.emptyDir, { recursive: true });
    }
    return this.emptyDir;
  }

  /** Unmount everything still mounted; errors are collected, not thrown, so cleanup goes on. */
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
    return errors;
  }
}
