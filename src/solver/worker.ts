/**
 * Everything an op needs to execute on this machine: the state dir's stores, the registry client, the
 * --local directories, where to mount and run containers, and whether we are in a user namespace.
 */
import { unlink } from 'node:fs/promises';
import path from 'node:path';
import { KeyStore } from '../cache/key-store.js';
import { LayerStore } from '../cache/layer-store.js';
import type { StateDir } from '../cache/state-dir.js';
import { MountTracker } from '../ephemeral/mounts.js';
import { ContentStore } from '../output/index.js';
import type { SnapshotterName } from '../snapshot/index.js';
import type { RegistryClient, ResolvedImage } from '../registry/index.js';
import { FileChecksumMemo } from '../fileop/index.js';
import type { Entitlement, SecretSpec, SshSpec } from '../build/request.js';

export interface WorkerOptions {
  readonly state: StateDir;
  /** The ephemeral run dir of this process: mount points, runc bundles, runc state. */
  readonly runDir: string;
  readonly rootless: boolean;
  readonly locals: ReadonlyMap<string, string>;
  readonly registry: RegistryClient;
  readonly noProcessSandbox?: boolean;
  /** How layers are merged: overlay mounts, or full copies where overlayfs cannot work. Default 'overlayfs'. */
  readonly snapshotter?: SnapshotterName;
  /** --secret values for RUN --mount=type=secret (read when a RUN needs them). */
  readonly secrets?: readonly SecretSpec[];
  /** --ssh agents/keys for RUN --mount=type=ssh. */
  readonly ssh?: readonly SshSpec[];
  /** --allow entitlements (RUN --network=host, RUN --security=insecure). */
  readonly allow?: readonly Entitlement[];
}

export class Worker {
  readonly state: StateDir;
  readonly layers: LayerStore;
  readonly keys: KeyStore;
  readonly content: ContentStore;
  readonly registry: RegistryClient;
  readonly locals: ReadonlyMap<string, string>;
  readonly rootless: boolean;
  readonly noProcessSandbox: boolean;
  readonly runDir: string;
  readonly runcRoot: string;
  readonly snapshotter: SnapshotterName;
  readonly mounts: MountTracker;
  readonly secrets: readonly SecretSpec[];
  readonly ssh: readonly SshSpec[];
  readonly allow: readonly Entitlement[];
  /** Resolved images by reference string, shared by the frontend (metadata) and the solver (pull). */
  readonly images = new Map<string, Promise<ResolvedImage>>();
  /**
   * Where each --local dir's exclude patterns came from (the .dockerignore file and each pattern's line), for
   * "not found" errors. Kept here, not in the source op: comments in .dockerignore must not change cache keys.
   */
  readonly ignoreFiles = new Map<string, { readonly file: string; readonly lines: readonly number[] }>();

  private memo: Promise<FileChecksumMemo> | undefined;

  constructor(opts: WorkerOptions) {
    this.state = opts.state;
    this.layers = new LayerStore(opts.state);
    this.keys = new KeyStore(opts.state);
    this.content = new ContentStore(opts.state.content);
    this.registry = opts.registry;
    this.locals = opts.locals;
    this.rootless = opts.rootless;
    this.noProcessSandbox = opts.noProcessSandbox ?? false;
    this.runDir = opts.runDir;
    this.runcRoot = path.join(opts.runDir, 'runc');
    this.snapshotter = opts.snapshotter ?? 'overlayfs';
    this.secrets = opts.secrets ?? [];
    this.ssh = opts.ssh ?? [];
    this.allow = opts.allow ?? [];
    this.mounts = new MountTracker({
      mountRoot: path.join(opts.runDir, 'mnt'), rootless: opts.rootless, snapshotter: this.snapshotter, copyRoot: opts.state.tmp,
    });
  }

  /** The persistent (path, size, mtime, inode) -> content hash memo of context files, loaded once. */
  checksumMemo(): Promise<FileChecksumMemo> {
    const memo = this.memo ?? FileChecksumMemo.load(path.join(this.state.memo, 'context-checksums.bin'));
    this.memo = memo;
    return memo;
  }

  /** Persist memos (a no-op when nothing was added); called once at the end of a build. */
  async saveMemos(): Promise<void> {
    if (!this.memo) return;
    await (await this.memo).save();
    // The JSON memo of earlier versions: replaced by the binary one, never read again.
    await unlink(path.join(this.state.memo, 'context-checksums.json')).catch(() => undefined);
  }
}
