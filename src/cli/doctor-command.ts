/**
 * `buildctl doctor`: checks this machine for the default build mode with the given global flags (--root,
 * --oci-worker-net, --oci-worker-no-process-sandbox, --oci-worker-snapshotter; BUILDKITD_FLAGS through
 * buildctl-daemonless.sh). Check lines go to stdout, the one-line verdict to stderr. Exit 0 when the default
 * mode can work, 1 when a check failed fatally.
 */
import path from 'node:path';
import { FlagError } from '../errors.js';
import type { DoctorOptions, NetMode, Snapshotter } from '../doctor/index.js';
import { formatReport, runDoctor, summary } from '../doctor/index.js';
import type { CommandIO } from './io.js';
import { GlobalArgvSchema, checkArgv, last, type GlobalArgv } from './schemas.js';

const SNAPSHOTTERS: readonly Snapshotter[] = ['auto', 'overlayfs', 'native'];
const NETS: readonly NetMode[] = ['auto', 'host', 'slirp4netns'];

export function doctorOptions(argv: GlobalArgv, io: Pick<CommandIO, 'cwd' | 'env'>): DoctorOptions {
  const root = last(argv.root);
  const snapshotter = last(argv['oci-worker-snapshotter']);
  const net = last(argv['oci-worker-net']);
  if (root === '') throw new FlagError('--root needs a directory');
  if (snapshotter !== undefined && !(SNAPSHOTTERS as readonly string[]).includes(snapshotter)) {
    throw new FlagError(`--oci-worker-snapshotter=${snapshotter} is not supported (${SNAPSHOTTERS.join(', ')})`);
  }
  if (net !== undefined && !(NETS as readonly string[]).includes(net)) {
    throw new FlagError(`--oci-worker-net=${net} is not supported (${NETS.join(', ')})`);
  }
  return {
    env: io.env,
    ...(root !== undefined ? { root: path.resolve(io.cwd, root) } : {}),
    ...(snapshotter !== undefined ? { snapshotter: snapshotter as Snapshotter } : {}),
    ...(net !== undefined ? { net: net as NetMode } : {}),
    noProcessSandbox: last(argv['oci-worker-no-process-sandbox']) ?? false,
  };
}

export async function doctorCommand(rawArgv: unknown, io: CommandIO): Promise<number> {
  const argv = checkArgv(GlobalArgvSchema, rawArgv);
  const report = await runDoctor(doctorOptions(argv, io));
  const color = io.stdout.isTTY === true && (io.env['NO_COLOR'] ?? '') === '';
  await new Promise<void>((resolve) => io.stdout.write(formatReport(report, color), () => resolve()));
  io.stderr.write(summary(report));
  return report.ok ? 0 : 1;
}
