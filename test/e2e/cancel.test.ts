/**
 * SIGINT during a RUN: the build stops with exit code 130, the container is killed and deleted, every mount is
 * gone and the ephemeral dir is removed. Rootless, the signal goes to rootlesskit (the script execs it), which
 * forwards it; the mounts die with rootlesskit's mount namespace.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { testEnv } from '../helpers/env.js';
import { buildArgs } from './helpers.js';
import { testWorkers } from './workers.js';

for (const w of testWorkers()) describe(w.name, () => {

  test('SIGINT during a RUN cleans up: no container, no mount, no ephemeral dir', async () => {
    const marker = `${31 + Math.random()}`.slice(0, 8); // a sleep argument no other process uses
    const ctx = await w.makeDir({ Dockerfile: `FROM ${testEnv().images.busybox}\nRUN echo started && sleep ${marker}\n` });
    const xdg = await w.ownedDir('buildctl-xdg-');
    const tmp = await w.ownedDir('buildctl-tmp-');
    const dest = await w.tempPath('out');
    const child = w.spawnBuildctl(buildArgs(ctx, '--output', `type=local,dest=${dest}`), { env: { XDG_RUNTIME_DIR: xdg, TMPDIR: tmp } });
    let stderr = '';
    const started = new Promise<void>((resolve) => child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (/#\d+ [\d.]+ started/.test(stderr)) resolve();
    }));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    await started;
    assert.ok(processesRunning(marker) > 0, 'the RUN is running');
    child.kill('SIGINT');
    const code = await exited;
    assert.equal(code, 130, stderr);
    assert.equal(processesRunning(marker), 0, 'the container process was killed');
    assert.deepEqual(await readdir(xdg), [], 'the run dir is removed');
    assert.deepEqual(await readdir(tmp), [], 'the ephemeral state dir is removed');
    const mounts = await readFile('/proc/self/mountinfo', 'utf8');
    assert.ok(!mounts.includes(xdg), 'nothing is left mounted');
    await assert.rejects(readdir(dest), 'no partial output');
  });
});

function processesRunning(marker: string): number {
  try {
    return execFileSync('pgrep', ['-f', `sleep ${marker}`], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).length;
  } catch {
    return 0; // pgrep exits 1 when nothing matches
  }
}
