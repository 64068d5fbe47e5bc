/**
 * Run this same command again inside rootlesskit, for when the CLI was started without full privileges and not
 * through scripts/buildctl-daemonless.sh (which execs rootlesskit itself and saves a Node start). The child gets
 * the run dir (rootlesskit's state dir is inside it) and our real stderr as fd 9; rootlesskit's own stderr is
 * filtered (rootlesskit-stderr.ts). Signals are forwarded; the child's exit code is ours.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { EnvironmentError } from '../errors.js';
import { ephemeralBase } from '../ephemeral/session.js';
import type { ProgressStream } from '../progress/events.js';
import { DOCTOR_POINTER, rootlesskitLine } from './rootlesskit-stderr.js';

export interface ReexecOptions {
  /** The whole command: node binary, its exec args, the script, the CLI args. */
  readonly argv: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly net: 'host' | 'slirp4netns';
  readonly stderr: ProgressStream;
  readonly signals: NodeJS.EventEmitter;
}

/** The rootlesskit flags of a build: BuildKit's rootless defaults (host network, a writable /etc). */
export function rootlesskitArgs(net: 'host' | 'slirp4netns', stateDir: string): string[] {
  const netArgs = net === 'slirp4netns' ? ['--net=slirp4netns', '--disable-host-loopback'] : ['--net=host'];
  return [...netArgs, '--copy-up=/etc', `--state-dir=${stateDir}`];
}

export async function runUnderRootlesskit(o: ReexecOptions): Promise<number> {
  const runDir = await mkdtemp(path.join(ephemeralBase(o.env), 'buildctl-'));
  const STDERR_FD = 9;
  // fd 9 of the child is our fd 2; 3..8 are /dev/null placeholders.
  const stdio = ['inherit', 'inherit', 'pipe', ...Array<'ignore'>(STDERR_FD - 3).fill('ignore'), 2] as const;
  const child = spawn('rootlesskit', [...rootlesskitArgs(o.net, path.join(runDir, 'rootlesskit')), ...o.argv], {
    stdio: [...stdio],
    env: { ...o.env, BUILDCTL_RUN_DIR: runDir, BUILDCTL_STDERR_FD: String(STDERR_FD) },
  });
  const forward = (name: NodeJS.Signals) => () => { child.kill(name); };
  const handlers = (['SIGINT', 'SIGTERM'] as const).map((name) => [name, forward(name)] as const);
  for (const [name, h] of handlers) o.signals.on(name, h);
  let shown = false;
  const lines = createInterface({ input: child.stderr! });
  lines.on('line', (line) => {
    const r = rootlesskitLine(line);
    if (r.show !== undefined) o.stderr.write(`${r.show}\n`);
    if (r.show !== undefined && r.fromRootlesskit) shown = true;
  });
  try {
    const code = await new Promise<number>((resolve, reject) => {
      child.on('error', (e: NodeJS.ErrnoException) => reject(e.code === 'ENOENT'
        ? new EnvironmentError('not running as root, and rootlesskit is not installed', { hint: 'apt-get install rootlesskit uidmap; run "buildctl doctor"' })
        : e));
      child.on('close', (c, sig) => resolve(c ?? (sig === 'SIGINT' ? 130 : sig === 'SIGTERM' ? 143 : 255)));
    });
    if (shown) o.stderr.write(`${DOCTOR_POINTER}\n`);
    return code;
  } finally {
    for (const [name, h] of handlers) o.signals.off(name, h);
    // The child's session removed it; rootlesskit failing to start leaves it (owned by us, nothing inside mapped).
    await rm(runDir, { recursive: true, force: true }).catch(() => undefined);
  }
}
