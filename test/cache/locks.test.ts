import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LockDir, isStale, processStartTime } from '../../src/cache/locks.js';

const LOCKS_JS = fileURLToPath(new URL('../../src/cache/locks.js', import.meta.url));

/** A child process that takes lock `name` in `dir`, prints "locked", runs `body` (JS), and exits. */
function child(dir: string, name: string, body: string): ChildProcess {
  const code = `import { LockDir } from ${JSON.stringify(LOCKS_JS)};
    const l = await new LockDir(${JSON.stringify(dir)}).acquire(${JSON.stringify(name)});
    process.stdout.write('locked\\n');
    ${body}
    await l.release();`;
  const c = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  exits.set(c, new Promise((resolve) => c.on('exit', (status) => resolve(status))));
  return c;
}

function locked(c: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    c.stdout!.on('data', (d: Buffer) => { if (d.toString().includes('locked')) resolve(); });
    c.on('exit', (code) => reject(new Error(`child exited ${code} before locking`)));
  });
}

const exits = new WeakMap<ChildProcess, Promise<number | null>>();
/** The child's exit code (the promise is made at spawn, so an exit before the call is not missed). */
function exited(c: ChildProcess): Promise<number | null> {
  return exits.get(c)!;
}

test('a live holder in another process makes us wait; its release lets us in', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'locks-'));
  try {
    const c = child(dir, 'a', `await new Promise((r) => setTimeout(r, 400));`);
    await locked(c);
    const started = Date.now();
    let waited = false;
    const l = await new LockDir(dir).acquire('a', { onWait: () => { waited = true; } });
    assert.ok(waited, 'the lock was held by the child');
    assert.ok(Date.now() - started >= 200, `acquired after ${Date.now() - started} ms, before the holder released`);
    await l.release();
    assert.equal(await exited(c), 0);
    assert.deepEqual(await readdir(dir), []);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a lock whose holder was SIGKILLed is broken by the next process', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'locks-'));
  try {
    const c = child(dir, 'k', `await new Promise((r) => setTimeout(r, 60000));`);
    await locked(c);
    const content = await readFile(path.join(dir, 'k.lock'), 'utf8');
    assert.equal(isStale(content), false);
    c.kill('SIGKILL');
    await exited(c);
    assert.equal(isStale(content), true);
    const l = await new LockDir(dir).acquire('k', { signal: AbortSignal.timeout(5000) });
    assert.equal((await readFile(path.join(dir, 'k.lock'), 'utf8')).split(' ')[0], String(process.pid));
    await l.release();
    assert.deepEqual(await readdir(dir), []);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a reused pid with another start time is not the holder', () => {
  const start = processStartTime(process.pid);
  assert.ok(start !== undefined && /^\d+$/.test(start));
  assert.equal(isStale(`${process.pid} ${start}`), false);
  assert.equal(isStale(`${process.pid} ${Number(start) + 1}`), true);
  assert.equal(isStale(''), true);
});

test('processes contending for one lock run their critical sections one at a time', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'locks-'));
  try {
    const counter = path.join(dir, 'counter');
    await writeFile(counter, '0');
    // Read, yield, write: without mutual exclusion the increments overlap and some are lost.
    const body = `const fs = await import('node:fs/promises');
      for (let i = 0; i < 5; i++) {
        if (i > 0) { await l.release(); const l2 = await new LockDir(${JSON.stringify(dir)}).acquire('c'); l.release = l2.release; }
        const n = Number(await fs.readFile(${JSON.stringify(counter)}, 'utf8'));
        await new Promise((r) => setTimeout(r, 5));
        await fs.writeFile(${JSON.stringify(counter)}, String(n + 1));
      }`;
    const cs = [0, 1, 2, 3].map(() => child(dir, 'c', body));
    assert.deepEqual(await Promise.all(cs.map(exited)), [0, 0, 0, 0]);
    assert.equal(await readFile(counter, 'utf8'), '20');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
