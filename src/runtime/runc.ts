/**
 * Thin wrappers over the runc CLI (runc 1.1). Every call names its state dir (`--root`) so containers of one
 * build never mix with anyone else's.
 */
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { execa, type ResultPromise } from 'execa';
import { EnvironmentError } from '../errors.js';
import { readTextIfExists } from '../util/fs.js';

/**
 * runc from PATH, else from the sbin directories (Debian installs it in /usr/sbin, which a user's PATH often
 * lacks); 'runc' when it is nowhere, so that the spawn fails with ENOENT and runAndWait says what to do.
 */
function findRunc(): string {
  const dirs = [...(process.env['PATH'] ?? '').split(':').filter((d) => d !== ''), '/usr/local/sbin', '/usr/sbin', '/sbin'];
  for (const d of dirs) {
    const p = path.join(d, 'runc');
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // next
    }
  }
  return 'runc';
}
const RUNC = findRunc();

/** One line of runc's `--log-format json` log (logrus): we only read errors. */
const RuncLogLine = Type.Object({ level: Type.String(), msg: Type.String() });

/** Start `runc run` in the foreground; the container's stdio are the pipes runc was given (terminal: false). */
export function spawnRuncRun(opts: { runcRoot: string; bundleDir: string; id: string; logFile: string }): ResultPromise<{ stdin: 'ignore'; buffer: false; reject: false }> {
  return execa(RUNC, ['--root', opts.runcRoot, '--log', opts.logFile, '--log-format', 'json', 'run', '--bundle', opts.bundleDir, opts.id], {
    stdin: 'ignore',
    buffer: false,
    reject: false,
    // runc forwards signals to the container; execa's cleanup sends SIGTERM when Node exits.
  });
}

/**
 * SIGKILL the container. With its own pid namespace killing init kills every process in it; without one
 * (`all`), runc signals every process of its cgroup. False when runc could not (e.g. it does not exist yet).
 */
export async function runcKill(opts: { runcRoot: string; id: string; all: boolean }): Promise<boolean> {
  const all = opts.all ? ['--all'] : [];
  const r = await execa(RUNC, ['--root', opts.runcRoot, 'kill', ...all, opts.id, 'KILL'], { reject: false, stdin: 'ignore' });
  return r.exitCode === 0;
}

/** `runc delete --force`: kills what is left and removes the state. A missing container is not an error. */
export async function runcDelete(runcRoot: string, id: string): Promise<void> {
  const r = await execa(RUNC, ['--root', runcRoot, 'delete', '--force', id], { reject: false, stdin: 'ignore' });
  if (r.exitCode !== 0 && !/does not exist|not exist/.test(String(r.stderr))) {
    throw new EnvironmentError(`runc delete ${id} failed: ${lastLine(String(r.stderr))}`);
  }
}

/** Ids of the containers in a runc state dir ([] when the dir does not exist). */
export async function runcList(runcRoot: string): Promise<string[]> {
  const r = await execa(RUNC, ['--root', runcRoot, 'list', '-q'], { reject: false, stdin: 'ignore' });
  if (r.exitCode !== 0) throw new EnvironmentError(`runc list failed: ${lastLine(String(r.stderr))}`);
  return String(r.stdout).split('\n').map((l) => l.trim()).filter((l) => l !== '');
}

/** The last error runc wrote to its JSON log (why it could not start the process), if any. */
export async function runcLoggedError(logFile: string): Promise<string | undefined> {
  const text = await readTextIfExists(logFile);
  if (text === undefined) return undefined;
  let msg: string | undefined;
  for (const line of text.split('\n')) {
    if (!line.includes('"error"')) continue;
    let rec: unknown;
    try {
      rec = JSON.parse(line);
    } catch (e) {
      // runc writes one JSON object per line; a torn last line carries nothing we need.
      if (e instanceof SyntaxError) continue;
      throw e;
    }
    if (Value.Check(RuncLogLine, rec) && rec.level === 'error') msg = rec.msg;
  }
  return msg;
}

function lastLine(s: string): string {
  return s.trim().split('\n').pop() ?? '';
}
