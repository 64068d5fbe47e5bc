/**
 * Run one helper binary (mount, tar, getfattr, ...) to completion. Snapshots need tools Node lacks (mount(2),
 * xattrs, mknod), always as ONE process per layer or mount, never per file.
 */
import { spawn } from 'node:child_process';

export interface RunOptions {
  cwd?: string;
  /** Bytes written to the child's stdin (which is then closed). Without it stdin is /dev/null. */
  input?: string | Buffer;
  signal?: AbortSignal;
}

export interface RunResult {
  stdout: Buffer;
  stderr: string;
}

/** A helper tool exited non-zero. Callers turn it into the user-facing error that fits (LayerError, ...). */
export class ToolFailure extends Error {
  constructor(readonly tool: string, readonly exitCode: number | null, readonly stderr: string, readonly stdout: Buffer) {
    super(`${tool} failed (${exitCode === null ? 'killed' : `exit ${exitCode}`}): ${firstLines(stderr)}`);
    this.name = 'ToolFailure';
  }
}

/** Environment for every tool: C locale so error texts we match on are stable. */
export const TOOL_ENV: NodeJS.ProcessEnv = { ...process.env, LC_ALL: 'C', LANG: 'C' };

export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: TOOL_ENV,
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      signal: opts.signal,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (b: Buffer) => out.push(b));
    child.stderr!.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => {
      const stderr = Buffer.concat(err).toString('utf8');
      if (code === 0) resolve({ stdout: Buffer.concat(out), stderr });
      else reject(new ToolFailure(cmd, code, stderr, Buffer.concat(out)));
    });
    if (opts.input !== undefined) {
      child.stdin!.on('error', () => { /* the exit status reports what went wrong */ });
      child.stdin!.end(opts.input);
    }
  });
}

/** At most a few lines of a tool's stderr, for one-line error messages. */
export function firstLines(s: string, n = 3): string {
  const lines = s.split('\n').filter((l) => l.trim() !== '');
  return lines.slice(0, n).join('; ') + (lines.length > n ? ` (+${lines.length - n} more)` : '');
}
