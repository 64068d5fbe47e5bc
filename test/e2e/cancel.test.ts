/**
 * SIGINT during a RUN: the build stops with exit code 130, the container is killed and deleted, every mount is
 * gone and the ephemeral dir is removed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { testEnv } from '../helpers/env.js';
import { SCRIPT, buildArgs, makeDir, tempPath } from './helpers.js';

test('SIGINT during a RUN cleans up: no container, no mount, no ephemeral dir', async () => {
  const marker = `${31 + Math.random()}`.slice(0, 8); // a sleep argument no other process uses
  const ctx = await makeDir({ Dockerfile: `FROM ${testEnv().images.busybox}\nRUN echo started && sleep ${marker}\n` });
  const xdg = await mkdtemp(path.join(os.tmpdir(), 'buildctl-xdg-'));
  const dest = await tempPath('out');
  const child = spawn(SCRIPT, buildArgs(ctx, '--output', `type=local,dest=${dest}`), { env: { ...process.env, XDG_RUNTIME_DIR: xdg }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const started = new Promise<void>((resolve) => child.stderr.on('data', (d: Buffer) => {
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
  assert.deepEqual(await readdir(xdg), [], 'the ephemeral dir is removed');
  const mounts = await readFile('/proc/self/mountinfo', 'utf8');
  assert.ok(!mounts.includes(xdg), 'nothing is left mounted');
  await assert.rejects(readdir(dest), 'no partial output');
});

function processesRunning(marker: string): number {
  try {
    return execFileSync('pgrep', ['-f', `sleep ${marker}`], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).length;
  } catch {
    return 0; // pgrep exits 1 when nothing matches
  }
}
