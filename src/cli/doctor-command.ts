/**
 * `buildctl doctor`: checks this machine for the default build mode with the given global flags (--root,
 * --oci-worker-net, --oci-worker-no-process-sandbox, --oci-worker-snapshotter; BUILDKITD_FLAGS through
 * buildctl-daemonless.sh). Check lines go to stdout, the one-line verdict to stderr. Exit 0 when the default
 * mode can work, 1 when a check failed fatally.
 */
import type { DoctorOptions } from '../doctor/index.js';
import { parseDaemonOptions } from './daemon-flags.js';
import { formatReport, runDoctor, summary } from '../doctor/index.js';
import type { CommandIO } from './io.js';
import { GlobalArgvSchema, checkArgv, type GlobalArgv } from './schemas.js';

/** The same global flags as a build, parsed the same way (parseDaemonOptions). */
export function doctorOptions(argv: GlobalArgv, io: Pick<CommandIO, 'cwd' | 'env'>): DoctorOptions {
  const d = parseDaemonOptions(argv, io.cwd);
  return {
    env: io.env,
    ...(d.root !== undefined ? { root: d.root } : {}),
    ...(d.snapshotter !== undefined ? { snapshotter: d.snapshotter } : {}),
    ...(d.net !== undefined ? { net: d.net } : {}),
    noProcessSandbox: d.noProcessSandbox ?? false,
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
