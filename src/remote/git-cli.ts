/**
 * Running the system git the way BuildKit's git source does (source/git/source.go `git`): no system or user
 * config (GIT_CONFIG_NOSYSTEM, HOME=/dev/null), no prompts, `protocol.file.allow=user` so a repository cannot
 * pull files of this machine in as a submodule, LC_ALL=C for parsable output, umask 022 for the checkout, and a
 * retry without `--depth=1` when the server cannot do shallow fetches. Proxy variables pass through.
 */
import { spawn } from 'node:child_process';
import { FileOpError } from '../errors.js';
import { redact } from '../progress/redact.js';

const PASS_ENV = ['http_proxy', 'https_proxy', 'no_proxy', 'all_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'ALL_PROXY'];

export interface GitCall {
  readonly args: readonly string[];
  /** --git-dir and --work-tree, given before the command as BuildKit does. */
  readonly gitDir?: string;
  readonly workTree?: string;
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal;
}

export class GitCommandError extends FileOpError {
  readonly stderr: string;
  constructor(message: string, stderr: string) {
    super(message);
    this.stderr = stderr;
  }
}

function gitEnv(extra: Readonly<Record<string, string>> | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin',
    GIT_TERMINAL_PROMPT: '0',
    GIT_SSH_COMMAND: 'ssh -F /dev/null -o StrictHostKeyChecking=no',
    GIT_CONFIG_NOSYSTEM: '1',
    HOME: '/dev/null',
    LC_ALL: 'C',
  };
  for (const k of PASS_ENV) if (process.env[k] !== undefined) env[k] = process.env[k];
  return { ...env, ...extra };
}

function runOnce(argv: readonly string[], call: GitCall): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    // umask 022 as runWithStandardUmask: the checkout's modes must not depend on the caller's umask.
    const child = spawn('/bin/sh', ['-c', 'umask 022 && exec git "$@"', 'git', ...argv], {
      cwd: call.cwd ?? '/', env: gitEnv(call.env), stdio: ['ignore', 'pipe', 'pipe'], detached: false,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    const onAbort = (): void => {
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 2000).unref();
    };
    call.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', reject);
    child.on('close', (code) => {
      call.signal?.removeEventListener('abort', onAbort);
      resolve({ code: code ?? 1, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
    });
  });
}

/** Run git; resolves to its stdout, or throws GitCommandError with git's last error line (credentials masked). */
export async function git(call: GitCall): Promise<string> {
  const pre = ['-c', 'protocol.file.allow=user'];
  if (call.gitDir !== undefined) pre.push('--git-dir', call.gitDir);
  if (call.workTree !== undefined) pre.push('--work-tree', call.workTree);
  let args = [...call.args];
  for (;;) {
    call.signal?.throwIfAborted();
    const r = await runOnce([...pre, ...args], call);
    if (r.code === 0) return r.stdout;
    // Dumb servers and some hosts cannot serve shallow clones: BuildKit retries without --depth.
    if ((r.stderr.includes('--depth') || r.stderr.includes('shallow')) && args.includes('--depth=1')) {
      args = args.filter((a) => a !== '--depth=1');
      continue;
    }
    call.signal?.throwIfAborted();
    const lines = r.stderr.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('hint:'));
    const last = lines.filter((l) => /^(fatal|error):/.test(l)).pop() ?? lines.pop() ?? `exit code ${r.code}`;
    throw new GitCommandError(redact(`git ${args[0] ?? ''}: ${last}`), r.stderr);
  }
}

export const COMMIT_SHA = /^[0-9a-f]{40}$/;
