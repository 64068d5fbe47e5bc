/**
 * A lock on a key, within this process (promise chain) and across processes sharing a state dir (an exclusive
 * lock file holding the owner's pid; a lock whose owner is gone is taken over). Held only around short git
 * operations on one shared bare repository.
 */
import { open, readFile, rm } from 'node:fs/promises';
import { isErrno } from '../errors.js';

const chains = new Map<string, Promise<unknown>>();
const POLL_MS = 100;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return !isErrno(e, 'ESRCH');
  }
}

async function acquire(file: string, signal: AbortSignal | undefined): Promise<void> {
  for (;;) {
    signal?.throwIfAborted();
    try {
      const fh = await open(file, 'wx');
      await fh.writeFile(String(process.pid));
      await fh.close();
      return;
    } catch (e) {
      if (!isErrno(e, 'EEXIST')) throw e;
    }
    const pid = Number((await readFile(file, 'utf8').catch(() => '')).trim());
    if (Number.isInteger(pid) && pid > 0 && !alive(pid)) {
      await rm(file, { force: true });
      continue;
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

export async function withFileLock<T>(file: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  const prev = chains.get(file) ?? Promise.resolve();
  const run = prev.catch(() => undefined).then(async () => {
    await acquire(file, signal);
    try {
      return await fn();
    } finally {
      await rm(file, { force: true });
    }
  });
  chains.set(file, run);
  try {
    return await run;
  } finally {
    if (chains.get(file) === run) chains.delete(file);
  }
}
