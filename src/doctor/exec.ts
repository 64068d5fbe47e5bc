/** Running the probes: PATH lookup like execvp, and a child process run to completion with a time limit. */
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';

/** Where distributions put admin tools that a user's default PATH often lacks (runc is /usr/sbin/runc on Debian). */
export const SBIN_DIRS = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

/** The first executable regular file NAME in PATH (as execvp finds it), or undefined. */
export function which(name: string, pathVar: string | undefined): string | undefined {
  for (const dir of (pathVar ?? '').split(':')) {
    if (dir === '') continue;
    const p = path.join(dir, name);
    try {
      if (!statSync(p).isFile()) continue;
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here (ENOENT, EACCES, ENOTDIR): keep looking, as execvp does
    }
  }
  return undefined;
}

export interface ProbeResult {
  /** Exit code; -1 when the command could not start or was killed. */
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Wall time in milliseconds. */
  readonly ms: number;
}

/** Run CMD to completion (stdin closed, 20 s limit); never throws for a failing or missing command. */
export async function probe(cmd: string, args: readonly string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<ProbeResult> {
  const t0 = performance.now();
  const r = await execa(cmd, args, {
    reject: false, stdin: 'ignore', timeout: 20_000, extendEnv: false, env: opts.env ?? process.env,
    ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {}),
  });
  const ms = performance.now() - t0;
  const stderr = r.timedOut ? `${cmd} timed out after 20 s` : String(r.stderr ?? '') || (r.exitCode === undefined ? r.shortMessage ?? '' : '');
  return { code: r.exitCode ?? -1, stdout: String(r.stdout ?? ''), stderr, ms };
}

/** The last non-empty line of a command's stderr (its error message), or a fallback. */
export function lastLine(text: string, fallback = 'no message'): string {
  // util-linux's mount adds "dmesg(1) may have more information ..." after the error.
  return text.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('dmesg(1)')).at(-1) ?? fallback;
}
