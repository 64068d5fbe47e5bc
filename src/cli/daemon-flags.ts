/**
 * The buildkitd flags we take as global flags (buildctl-daemonless.sh passes BUILDKITD_FLAGS through):
 * --root, --config, --debug, --oci-worker-snapshotter, --oci-worker-no-process-sandbox, --oci-worker-net,
 * --oci-worker-gc, --oci-worker-gc-keepstorage.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import type { DaemonOptions } from '../build/request.js';
import { FlagError, isErrno } from '../errors.js';
import { applyBuildkitdConfig } from '../config/daemon-config.js';
import { parseBytes } from '../gc/units.js';
import type { GlobalArgv } from './schemas.js';
import { last } from './schemas.js';

const SNAPSHOTTERS = ['auto', 'overlayfs', 'native'] as const;
const NETS = ['auto', 'host', 'slirp4netns'] as const;

export function parseDaemonOptions(argv: GlobalArgv, cwd: string): DaemonOptions {
  const root = last(argv.root);
  const config = last(argv.config);
  const snapshotter = last(argv['oci-worker-snapshotter']);
  const net = last(argv['oci-worker-net']);
  const gc = last(argv['oci-worker-gc']);
  const keepStorage = last(argv['oci-worker-gc-keepstorage']);
  // buildkitd reads a bare number in MB; a unit may be given too (10GB).
  const gcKeepBytes = keepStorage !== undefined ? parseBytes(keepStorage, '--oci-worker-gc-keepstorage', 1e6) : undefined;
  if (root === '') throw new FlagError('--root needs a directory');
  if (snapshotter !== undefined && !(SNAPSHOTTERS as readonly string[]).includes(snapshotter)) {
    throw new FlagError(`--oci-worker-snapshotter=${snapshotter} is not supported (${SNAPSHOTTERS.join(', ')})`);
  }
  if (net !== undefined && !(NETS as readonly string[]).includes(net)) {
    throw new FlagError(`--oci-worker-net=${net} is not supported (${NETS.join(', ')})`);
  }
  let configPath: string | undefined;
  if (config !== undefined) {
    configPath = path.resolve(cwd, config);
    try {
      statSync(configPath);
    } catch (e) {
      if (isErrno(e, 'ENOENT')) throw new FlagError(`--config ${config}: file does not exist`);
      throw e;
    }
  }
  // buildkitd.toml fills in what the flags did not say (root, debug, [worker.oci]); flags win.
  return applyBuildkitdConfig({
    ...(root !== undefined ? { root: path.resolve(cwd, root) } : {}),
    debug: lastBool(argv.debug),
    ...(snapshotter !== undefined ? { snapshotter: snapshotter as DaemonOptions['snapshotter'] } : {}),
    noProcessSandbox: lastBool(argv['oci-worker-no-process-sandbox']),
    ...(net !== undefined ? { net: net as DaemonOptions['net'] } : {}),
    ...(configPath !== undefined ? { config: configPath } : {}),
    ...(gc !== undefined ? { gc } : {}),
    ...(gcKeepBytes !== undefined ? { gcKeepBytes } : {}),
  });
}

function lastBool(v: boolean | boolean[] | undefined): boolean {
  return last(v) ?? false;
}
