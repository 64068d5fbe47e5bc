/**
 * Per-entry locks shared by every process using one state dir (parallel CI jobs on one runner), so that the
 * shared work behind a cache entry (pull+unpack of a layer, a RUN) is done once: the second process waits for the
 * first, then finds the published result.
 *
 * A lock is a file `locks/<name>.lock` created with O_EXCL holding "<pid> <start time>": the holder's pid and its
 * start time in clock ticks since boot (/proc/<pid>/stat field 22), so a pid reused after a SIGKILL is not taken
 * for the holder. A lock whose holder is gone is stale and is broken by the next process that wants it, so a
 * SIGKILLed build never blocks later ones. Rootless builds run under rootlesskit without a pid namespace, so
 * every build of one state dir sees the same /proc.
 *
 * Cost: nothing on the fully cached path (locks are only taken on a miss); an uncontended acquire+release is one
 * exclusive create, one write and one unlink (~0.1 ms).
 */
import { readFileSync } from 'node:fs';
import { link, mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { isErrno } from '../errors.js';
import { readTextIfExists } from '../util/fs.js';

export interface Lock {
  /** Remove the lock file. Idempotent. */
  release(): Promise<void>;
}

export interface AcquireOptions {
  readonly signal?: AbortSignal;
  /** Called once if the lock is held by another live process and we start waiting. */
  readonly onWait?: () => void;
}

const NAME_RE = /^[A-Za-z0-9_.-]{1,200}$/;

/** Start time of a process (clock ticks after boot), or undefined when there is no such process. */
export function processStartTime(pid: number): string | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (e) {
    if (isErrno(e, 'ENOENT') || isErrno(e, 'ESRCH')) return undefined;
    throw e;
  }
  // Field 2 (comm) is parenthesised and may contain spaces: count fields after the last ')'.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return rest[19]; // field 22 overall
}

let myStamp: string | undefined;
function stamp(): string {
  myStamp ??= `${process.pid} ${processStartTime(process.pid) ?? '0'}`;
  return myStamp;
}

/** True when the content of a lock file names a process that no longer runs (or is unreadable garbage). */
export function isStale(content: string): boolean {
  const [pid, start] = content.trim().split(' ');
  const n = Number(pid);
  // An empty file: the holder died between create and write (or is writing right now: see tryBreak).
  if (!Number.isInteger(n) || n <= 0 || start === undefined) return true;
  return processStartTime(n) !== start;
}

export class LockDir {
  constructor(readonly dir: string) {}

  private fileOf(name: string): string {
    if (!NAME_RE.test(name)) throw new Error(`bad lock name ${name}`);
    return path.join(this.dir, `${name}.lock`);
  }

  /** Take the lock, waiting (polling, 5 ms up to 100 ms) while a live process holds it. */
  async acquire(name: string, opts: AcquireOptions = {}): Promise<Lock> {
    const file = this.fileOf(name);
    let delay = 5;
    let waited = false;
    for (;;) {
      opts.signal?.throwIfAborted();
      if (await this.tryCreate(file)) return lockOf(file);
      if (!(await this.tryBreak(file))) {
        if (!waited) { waited = true; opts.onWait?.(); }
        await sleep(delay, undefined, opts.signal ? { signal: opts.signal } : {});
        delay = Math.min(delay * 2, 100);
      }
    }
  }

  /** Hold the lock while fn runs. */
  async with<T>(name: string, fn: () => Promise<T>, opts: AcquireOptions = {}): Promise<T> {
    const lock = await this.acquire(name, opts);
    try {
      return await fn();
    } finally {
      await lock.release();
    }
  }

  private async tryCreate(file: string): Promise<boolean> {
    let fh;
    try {
      fh = await open(file, 'wx', 0o600);
    } catch (e) {
      if (isErrno(e, 'EEXIST')) return false;
      if (!isErrno(e, 'ENOENT')) throw e;
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      return this.tryCreate(file);
    }
    try {
      await fh.writeFile(stamp());
    } finally {
      await fh.close();
    }
    return true;
  }

  /**
   * Break the lock if its holder is gone. True when the lock file is gone now (retry at once). The stale file is
   * first renamed to a unique name, so of several processes breaking it only one succeeds; if what was renamed is
   * not what we judged stale (it was broken and re-taken in between), it is put back with link(2), which never
   * replaces a newer lock.
   */
  private async tryBreak(file: string): Promise<boolean> {
    let content = await readTextIfExists(file);
    if (content === undefined) return true;
    if (content === '') {
      // Created but not written yet: a live holder writes within microseconds; judge it on the next poll.
      await sleep(20);
      content = (await readTextIfExists(file)) ?? '';
      if (content === '') return this.moveAside(file, '');
    }
    if (!isStale(content)) return false;
    return this.moveAside(file, content);
  }

  private async moveAside(file: string, expected: string): Promise<boolean> {
    const aside = `${file}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
    try {
      await rename(file, aside);
    } catch (e) {
      if (isErrno(e, 'ENOENT')) return true;
      throw e;
    }
    const got = await readFile(aside, 'utf8');
    if (got !== expected && !isStale(got)) {
      await link(aside, file).catch((e: unknown) => { if (!isErrno(e, 'EEXIST')) throw e; });
    }
    await unlink(aside).catch(() => undefined);
    return true;
  }
}

function lockOf(file: string): Lock {
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      await unlink(file).catch((e: unknown) => { if (!isErrno(e, 'ENOENT')) throw e; });
    },
  };
}
