/**
 * The stream the CLI writes its progress and errors to. Normally process.stderr; under rootlesskit started by
 * scripts/buildctl-daemonless.sh, fd 2 is a pipe through which rootlesskit's own messages are filtered, and the
 * real stderr (a terminal, a CI log) is handed to us as another fd named by BUILDCTL_STDERR_FD.
 */
import { createWriteStream, fstatSync } from 'node:fs';
import tty from 'node:tty';
import type { ProgressStream } from '../progress/events.js';

let chosen: ProgressStream | undefined;

/** Chosen once per process (the variable is consumed). */
export function cliStderr(env: NodeJS.ProcessEnv = process.env): ProgressStream {
  chosen ??= pick(env);
  return chosen;
}

function pick(env: NodeJS.ProcessEnv): ProgressStream {
  const raw = env['BUILDCTL_STDERR_FD'];
  if (raw === undefined || !/^[0-9]+$/.test(raw)) return process.stderr;
  const fd = Number(raw);
  try {
    fstatSync(fd);
  } catch {
    return process.stderr; // not open after all: keep working on fd 2
  }
  // Child processes must not inherit the variable: their fd 9 is not ours to promise.
  delete env['BUILDCTL_STDERR_FD'];
  if (tty.isatty(fd)) return new tty.WriteStream(fd);
  return createWriteStream('', { fd, autoClose: false });
}
