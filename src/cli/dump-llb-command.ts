/**
 * `buildctl debug dump-llb`: the LLB graph the Dockerfile frontend makes for the build flags, one JSON object
 * per line on stdout (buildctl's format without --dot). Progress (base image resolution) goes to stderr.
 */
import { createProgress } from '../progress/index.js';
import { buildRequestFromArgv, progressMode } from './build-request.js';
import { parseDaemonOptions } from './daemon-flags.js';
import type { CommandIO } from './io.js';
import { BuildArgvSchema, checkArgv } from './schemas.js';

export async function dumpLlbCommand(rawArgv: unknown, io: CommandIO): Promise<number> {
  const argv = checkArgv(BuildArgvSchema, rawArgv);
  const daemon = parseDaemonOptions(argv, io.cwd);
  const req = buildRequestFromArgv(argv, { cwd: io.cwd, vars: io.env, stdoutIsTTY: io.stdout.isTTY === true });
  const progress = createProgress(progressMode(argv) === 'auto' ? 'quiet' : progressMode(argv), io.stderr);
  let ops: unknown[];
  try {
    const { dumpLlb } = await io.loadBuild();
    ops = await dumpLlb(req, daemon, progress);
  } finally {
    await progress.close();
  }
  await new Promise<void>((resolve) => io.stdout.write(ops.map((op) => `${JSON.stringify(op)}\n`).join(''), () => resolve()));
  return 0;
}
