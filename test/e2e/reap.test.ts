/**
 * A build killed with SIGKILL cannot clean up: its overlay may stay mounted, its runc state, run dir and
 * ephemeral state dir stay (its container dies with runc). The next build (same $XDG_RUNTIME_DIR and $TMPDIR)
 * reaps them.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { testEnv } from '../helpers/env.js';
import { buildArgs } from './helpers.js';
import { testWorkers } from './workers.js';

for (const w of testWorkers()) describe(w.name, () => {
  test('the next build reaps a SIGKILLed build: container killed, mounts gone, dirs removed', async () => {
    const nap = `${41 + Math.random()}`.slice(0, 8);
    const ctx = await w.makeDir({ Dockerfile: `FROM ${testEnv().images.busybox}\nRUN echo started && sleep ${nap}\n` });
    const xdg = await w.ownedDir('reap-xdg-');
    const tmp = await w.ownedDir('reap-tmp-');
    const env = { XDG_RUNTIME_DIR: xdg, TMPDIR: tmp };
    const child = w.spawnBuildctl(buildArgs(ctx), { env });
    let err = '';
    await new Promise<void>((resolve) => child.stderr!.on('data', (d: Buffer) => { err += d.toString(); if (/started/.test(err)) resolve(); }));
    // SIGKILL the CLI's Node process itself (rootless: it runs under rootlesskit, a child of the spawned process).
    const node = pids(`context=${ctx}`).filter((p) => readFileSyncSafe(`/proc/${p}/comm`) === 'node\n');
    assert.equal(node.length, 1, `one CLI process: ${node.join(' ')}`);
    process.kill(Number(node[0]), 'SIGKILL');
    await new Promise((resolve) => child.on('close', resolve));
    assert.ok((await readdir(xdg)).some((n) => n.startsWith('buildctl-')), 'the run dir is left');

    const again = await w.makeDir({ Dockerfile: 'FROM scratch\n' });
    const r = await w.buildctl(buildArgs(again), { env });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(pids(`sleep ${nap}`), [], 'no RUN process is left');
    assert.deepEqual(await readdir(xdg), [], 'run dirs reaped');
    assert.deepEqual(await readdir(tmp), [], 'ephemeral state dirs reaped');
    assert.ok(!(await readFile('/proc/self/mountinfo', 'utf8')).includes(xdg), 'nothing left mounted');
  });
});

function pids(pattern: string): string[] {
  try {
    return execFileSync('pgrep', ['-f', pattern], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

function readFileSyncSafe(p: string): string {
  try {
    return execFileSync('cat', [p], { encoding: 'utf8' });
  } catch {
    return '';
  }
}
