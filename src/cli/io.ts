/** What command handlers get from main: the process's streams and environment, and the build module. */
import type { BuildRequest, DaemonOptions, ExporterResponse } from '../build/request.js';
import type { ProgressStream } from '../progress/events.js';
import type { ProgressSink } from '../progress/types.js';

/** The contract of src/build/build.ts, loaded lazily (it pulls in the whole build; --help should not). */
export interface BuildModule {
  runBuild(req: BuildRequest, daemon: DaemonOptions, ctx: { progress: ProgressSink; signal: AbortSignal }): Promise<ExporterResponse>;
  dumpLlb(req: BuildRequest, daemon: DaemonOptions, progress: ProgressSink): Promise<unknown[]>;
}

export interface CommandIO {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly stdout: ProgressStream;
  readonly stderr: ProgressStream;
  readonly loadBuild: () => Promise<BuildModule>;
  /** Where SIGINT/SIGTERM come from (process, or an EventEmitter in tests). */
  readonly signals: NodeJS.EventEmitter;
  /** Exit at once (a second SIGINT). */
  readonly exit: (code: number) => void;
}

export async function loadBuildModule(): Promise<BuildModule> {
  const mod: BuildModule = await import('../build/build.js');
  return mod;
}
