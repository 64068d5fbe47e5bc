/**
 * The executor's public types: what a caller (the exec op of the solver) hands over to run one process in runc.
 * Paths in `destination`, `cwd` and `rootfs`-relative places are container paths; `rootfs`, `source`, `bundleDir`
 * and `runcRoot` are host paths.
 */

/** An extra mount on top of the defaults (proc, /dev, /sys, resolv.conf, hosts). */
export interface ExecMount {
  type: 'bind' | 'tmpfs';
  /** Host path for a bind mount; ignored for tmpfs. */
  source?: string;
  destination: string;
  readonly?: boolean;
  /** Extra mount options passed to runc as they are (e.g. "size=64m", "mode=1777"). */
  options?: string[];
}

export interface ProcessSpec {
  args: string[];
  /** "KEY=value" entries; a default PATH is added when none is given. */
  env: string[];
  /** Working directory in the container; created (root-owned, 0755) when it does not exist. */
  cwd: string;
  /** Dockerfile USER: "name", "uid", "name:group", "uid:gid"; default root. */
  user?: string;
}

export interface RunOptions {
  /** Container id, unique per run (the caller makes it). */
  id: string;
  /** An already-mounted rootfs (overlay merged dir), read-write. */
  rootfs: string;
  process: ProcessSpec;
  /** Extra mounts (bind/tmpfs) on top of the defaults. */
  mounts?: ExecMount[];
  network: 'host' | 'none';
  /** Default 'buildkitsandbox'. */
  hostname?: string;
  /** True when running inside rootlesskit's user namespace: no userns of our own, no cgroups. */
  rootless: boolean;
  /** BuildKit's --oci-worker-no-process-sandbox: no pid namespace, host /proc. */
  noProcessSandbox?: boolean;
  /**
   * RUN --security=insecure (entitlement security.insecure): all capabilities, no masked or read-only /proc
   * paths, writable /sys, and (as root) access to all devices plus loop devices, as BuildKit's insecure mode.
   */
  privileged?: boolean;
  /** An empty dir the executor may use for config.json, hosts, resolv.conf. */
  bundleDir: string;
  /** runc --root (state dir, inside our ephemeral dir). */
  runcRoot: string;
  onOutput(stream: 1 | 2, chunk: Buffer): void;
  /** Abort => kill the container (SIGKILL), delete it, reject with an AbortError. */
  signal?: AbortSignal;
}

export interface ResolvedUser {
  uid: number;
  gid: number;
  additionalGids: number[];
}

/** Thrown by runContainer when its signal aborts; `cause` is the signal's reason. */
export class AbortError extends Error {
  readonly code = 'ABORT_ERR';
  constructor(cause?: unknown) {
    super('The operation was aborted', cause === undefined ? undefined : { cause });
    this.name = 'AbortError';
  }
}
