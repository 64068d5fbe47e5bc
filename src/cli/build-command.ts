/**
 * `buildctl build`: flags -> BuildRequest, progress, signal handling, runBuild, --metadata-file.
 * Returns the exit code; errors are thrown to main, which prints them.
 */
import type { BuildRequest, DaemonOptions } from '../build/request.js';
import { createProgress, type ProgressMode } from '../progress/index.js';
import type { ProgressSink } from '../progress/types.js';
import { buildRequestFromArgv, progressMode } from './build-request.js';
import { parseDaemonOptions } from './daemon-flags.js';
import type { CommandIO } from './io.js';
import { writeMetadataFile } from './metadata-file.js';
import { BuildArgvSchema, checkArgv, type BuildArgv } from './schemas.js';
import { abortOnSignals } from './signals.js';
import { detectPrivilege } from '../rootless/privilege.js';
import { FlagError } from '../errors.js';
import { didYouMean } from '../util/did-you-mean.js';

export interface ParsedBuild {
  readonly req: BuildRequest;
  readonly daemon: DaemonOptions;
  readonly mode: ProgressMode;
}

/** All flag validation for `build`, before anything runs. */
export function parseBuildArgv(argv: BuildArgv, io: Pick<CommandIO, 'cwd' | 'env' | 'stdout'>): ParsedBuild {
  const daemon = parseDaemonOptions(argv, io.cwd);
  const req = buildRequestFromArgv(argv, { cwd: io.cwd, vars: io.env, stdoutIsTTY: io.stdout.isTTY === true });
  return { req, daemon, mode: progressMode(argv) };
}

/** `argv` as yargs made it; checked here against BuildArgvSchema. */
export async function buildCommand(argv: unknown, io: CommandIO): Promise<number> {
  const { req, daemon, mode } = parseBuildArgv(checkArgv(BuildArgvSchema, argv), io);
  // Without full privileges the build runs inside rootlesskit: this same command again, in its user namespace.
  if (detectPrivilege(io.env).mode === 'needs-rootlesskit') {
    const { runUnderRootlesskit } = await import('../rootless/reexec.js');
    return runUnderRootlesskit({
      argv: [process.execPath, ...process.execArgv, ...process.argv.slice(1)],
      env: io.env, net: daemon.net === 'slirp4netns' ? 'slirp4netns' : 'host', stderr: io.stderr, signals: io.signals,
    });
  }
  const call = frontendCall(req);
  if (call === 'check') return checkCommand(req, daemon, mode, io);
  const progress = createProgress(mode, io.stderr);
  const scope = abortOnSignals({ source: io.signals, exit: io.exit });
  try {
    const { runBuild } = await io.loadBuild();
    scope.signal.throwIfAborted();
    const response = await runBuild(req, daemon, { progress, signal: scope.signal });
    const canceled = scope.canceled();
    if (canceled !== undefined) throw canceled;
    if (req.metadataFile !== undefined) await writeMetadataFile(req.metadataFile, response);
    return 0;
  } catch (e) {
    // Whatever the build threw after a signal (an AbortError, a killed RUN), the cause is the signal.
    throw scope.canceled() ?? e;
  } finally {
    await closeQuietly(progress);
    scope.dispose();
  }
}

/** `--opt call=NAME` (BuildKit also reads `requestid=frontend.NAME`): only `build` (default) and `check` are built in. */
function frontendCall(req: BuildRequest): 'build' | 'check' {
  const raw = req.frontendOpts.raw;
  const call = raw.get('call') ?? raw.get('requestid')?.replace(/^frontend\./, '') ?? 'build';
  if (call === 'build' || call === '') return 'build';
  if (call === 'check' || call === 'lint') return 'check';
  const hint = didYouMean(call, ['build', 'check']);
  throw new FlagError(`unsupported frontend call "${call}"${hint ? ` (did you mean ${hint}?)` : ''}: this frontend answers build and check`);
}

/** Run only the build checks; the report goes to stdout, the exit status is 1 when anything was found. */
async function checkCommand(req: BuildRequest, daemon: DaemonOptions, mode: ProgressMode, io: CommandIO): Promise<number> {
  const progress = createProgress(mode === 'auto' ? 'quiet' : mode, io.stderr);
  let report: { text: string; status: number };
  try {
    const { runCheck } = await import('../build/check.js');
    report = await runCheck(req, daemon, progress);
  } finally {
    await closeQuietly(progress);
  }
  await new Promise<void>((resolve) => io.stdout.write(report.text, () => resolve()));
  return report.status;
}

async function closeQuietly(progress: ProgressSink): Promise<void> {
  try {
    await progress.close();
  } catch {
    // stderr gone (EPIPE): nothing left to report to
  }
}
