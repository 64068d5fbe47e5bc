/**
 * The shapes of `buildctl doctor`: one CheckResult per check, a DoctorReport for the whole run, and the
 * DoctorContext every check reads (who we are, PATH, the flags that change what the default mode needs).
 */
import type { Privilege } from '../rootless/privilege.js';

export interface CheckResult {
  /** Stable, greppable id: `runc`, `subuid`, `overlayfs`, ... (printed as `PASS  <name>: <detail>`). */
  readonly name: string;
  readonly ok: boolean;
  /** One line: what was found (PASS) or what is wrong (FAIL). */
  readonly detail: string;
  /** For a FAIL: the command (as exact as the machine allows) that fixes it. */
  readonly fix?: string;
  /** True when this FAIL stops the default mode (with the given flags); always false for a PASS. */
  readonly fatal: boolean;
}

export type Snapshotter = 'auto' | 'overlayfs' | 'native';
export type NetMode = 'auto' | 'host' | 'slirp4netns';

/** The global flags that change what the default mode needs (the same flags `build` takes). */
export interface DoctorOptions {
  /** --root: the persistent state dir (absolute). Default: the ephemeral location. */
  readonly root?: string;
  readonly snapshotter?: Snapshotter;
  readonly net?: NetMode;
  readonly noProcessSandbox?: boolean;
  /** Default: process.env (PATH, XDG_RUNTIME_DIR, TMPDIR, BUILDKITD_FLAGS are read). */
  readonly env?: NodeJS.ProcessEnv;
}

export interface DoctorReport {
  readonly privilege: Privilege;
  /** 'root' (runc as root) or 'rootless' (the build runs inside rootlesskit). */
  readonly mode: 'root' | 'rootless';
  readonly checks: readonly CheckResult[];
  /** True when no check failed fatally: the default mode can work here. */
  readonly ok: boolean;
}

export interface DoctorContext {
  readonly privilege: Privilege;
  /** False only with full privileges (mode 'root'): then the rootless-only checks are not needed. */
  readonly rootless: boolean;
  /** The user rootlesskit maps: the real uid and its passwd name when there is one. */
  readonly user: { readonly uid: number; readonly gid: number; readonly name?: string };
  readonly env: NodeJS.ProcessEnv;
  /** `sudo ` when not uid 0, so fixes are commands the user can paste. */
  readonly sudo: string;
  readonly opts: DoctorOptions;
}

export const pass = (name: string, detail: string): CheckResult => ({ name, ok: true, detail, fatal: false });
export const fail = (name: string, detail: string, o: { fix?: string; fatal?: boolean } = {}): CheckResult =>
  ({ name, ok: false, detail, fatal: o.fatal ?? true, ...(o.fix !== undefined ? { fix: o.fix } : {}) });
