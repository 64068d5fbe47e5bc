/**
 * The daemon settings buildkitd reads from buildkitd.toml besides registries: `root`, `debug`,
 * `[worker.oci] snapshotter` and `noProcessSandbox`. Flags win, as in buildkitd (a flag that was given
 * overrides the file); a boolean flag can only turn a setting on, since an absent flag reads as false.
 */
import path from 'node:path';
import type { DaemonOptions } from '../build/request.js';
import { loadBuildkitdConfig } from './buildkitd-config.js';

/** `daemon` with the settings of its `--config` file filled in where no flag set them. Throws FlagError for a bad file. */
export function applyBuildkitdConfig(daemon: DaemonOptions): DaemonOptions {
  if (daemon.config === undefined) return daemon;
  const file = loadBuildkitdConfig(daemon.config).file;
  const oci = file.worker?.oci;
  const snapshotter = daemon.snapshotter ?? (oci?.snapshotter as DaemonOptions['snapshotter'] | undefined);
  // buildkitd takes `root` as written; a relative one is taken from the config file's directory here, not the cwd.
  const root = daemon.root ?? (file.root !== undefined ? path.resolve(path.dirname(daemon.config), file.root) : undefined);
  return {
    ...daemon,
    debug: daemon.debug || file.debug === true,
    noProcessSandbox: daemon.noProcessSandbox === true || oci?.noProcessSandbox === true,
    ...(snapshotter !== undefined ? { snapshotter } : {}),
    ...(root !== undefined ? { root } : {}),
  };
}
