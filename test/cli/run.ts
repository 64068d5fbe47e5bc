/** Run a command to completion for a test: exit code, stdout, stderr; optional hook once stderr shows a marker. */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';

export interface RunResult { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

export interface OnStderr { marker: string; then: (child: ChildProcess) => void }

export function run(cmd: string, args: readonly string[], opts: {
  env?: NodeJS.ProcessEnv; cwd?: string; onStderr?: OnStderr;
} = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...opts.env }, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let fired = false;
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (!fired && opts.onStderr !== undefined && stderr.includes(opts.onStderr.marker)) {
        fired = true;
        opts.onStderr.then(child);
      }
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}
