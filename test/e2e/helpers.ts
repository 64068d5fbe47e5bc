/** Helpers for end-to-end tests: run the real CLI through scripts/buildctl-daemonless.sh, make contexts. */
import { spawn } from 'node:child_process';
import { mkdtemp, mkdir, writeFile, chmod } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
export const SCRIPT = path.join(REPO, 'scripts/buildctl-daemonless.sh');

export interface RunResult { code: number; stdout: Buffer; stderr: string }

/**
 * Run `buildctl-daemonless.sh ARGS` and collect its output. `env` adds to this process's environment;
 * `fullEnv` replaces it. `uid`/`gid`: run as that user (test/e2e/workers.ts).
 */
export function buildctl(args: readonly string[], opts: { env?: NodeJS.ProcessEnv; fullEnv?: NodeJS.ProcessEnv; cwd?: string; uid?: number; gid?: number } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(SCRIPT, args, {
      env: opts.fullEnv ?? { ...process.env, ...opts.env }, cwd: opts.cwd ?? REPO, stdio: ['ignore', 'pipe', 'pipe'],
      ...(opts.uid !== undefined ? { uid: opts.uid } : {}), ...(opts.gid !== undefined ? { gid: opts.gid } : {}),
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString() }));
  });
}

export type FileSpec = string | { content: string; mode?: number };

/** A temp dir holding the given files (paths relative, parents created). */
export async function makeDir(files: Record<string, FileSpec>, prefix = 'ctx-'): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `buildctl-test-${prefix}`));
  for (const [name, spec] of Object.entries(files)) {
    const p = path.join(dir, name);
    await mkdir(path.dirname(p), { recursive: true });
    const content = typeof spec === 'string' ? spec : spec.content;
    await writeFile(p, content);
    if (typeof spec !== 'string' && spec.mode !== undefined) await chmod(p, spec.mode);
  }
  return dir;
}

export async function tempPath(name: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'buildctl-test-out-'));
  return path.join(dir, name);
}

/** The standard flags for a Dockerfile build of `dir`. */
export function buildArgs(dir: string, ...extra: string[]): string[] {
  return ['build', '--frontend', 'dockerfile.v0', '--local', `context=${dir}`, '--local', `dockerfile=${dir}`, '--progress', 'plain', ...extra];
}

/** Run a command and return its stdout (throws on failure). */
export function run(cmd: string, args: readonly string[], opts: { cwd?: string } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err}`))));
  });
}
