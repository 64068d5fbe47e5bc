/**
 * Crash safety of a persistent --root: the CLI is SIGKILLed at several points (while pulling/unpacking the base
 * image, during a RUN, during the export), then the same build runs again on the same state dir: it succeeds,
 * its output is right, and nothing the killed build left half-done is used (a layer is published only with its
 * layer.json, a key only after its layers, a lock whose holder died is broken, its pending layers are swept).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import { testEnv } from '../helpers/env.js';
import { buildArgs } from './helpers.js';
import { testWorkers, type TestWorker } from './workers.js';

/** `runsAgain`: the RUN had not finished when the build was killed, so the next build runs it. */
interface KillPoint { readonly name: string; readonly when: RegExp; readonly runsAgain: boolean }
const RAN = /#\d+ [\d.]+ started-run/;

const POINTS: readonly KillPoint[] = [
  { name: 'while pulling and unpacking the base image', when: /#\d+ resolve [^\n]*debian/, runsAgain: true },
  { name: 'during a RUN', when: /#\d+ [\d.]+ started-run/, runsAgain: true },
  { name: 'during the export', when: /#\d+ exporting to/, runsAgain: false },
];

/** Spawn the build, SIGKILL it when its progress matches `when`; resolves with what it printed. */
async function killAt(w: TestWorker, args: string[], when: RegExp): Promise<string> {
  const child = w.spawnBuildctl(args);
  let stderr = '';
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  await new Promise<void>((resolve) => {
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (when.test(stderr)) { child.kill('SIGKILL'); resolve(); }
    });
    void exited.then(() => resolve());
  });
  await exited;
  return stderr;
}

for (const w of testWorkers()) describe(w.name, () => {
  for (const point of POINTS) {
    test(`SIGKILL ${point.name}, then the same build on the same --root succeeds`, async () => {
      const ctx = await w.makeDir({
        Dockerfile: [
          `FROM ${testEnv().images.debian}`,
          // Random bytes: the gzip of the OCI export takes a while, so the kill lands in it.
          'RUN echo started-run && sleep 1.5 && head -c 60000000 /dev/urandom > /big && echo done > /f',
        ].join('\n') + '\n',
      });
      const root = await w.ownedDir('buildctl-root-');
      const dest = await w.tempPath('out.tar');
      const args = [...buildArgs(ctx, '--output', `type=oci,dest=${dest}`), '--root', root];
      const killed = await killAt(w, args, point.when);
      assert.match(killed, point.when, 'the build reached the kill point');
      await assert.rejects(stat(dest), 'the killed build left no output');

      const again = await w.buildctl(args);
      assert.equal(again.code, 0, again.stderr);
      const tar = execFileSync('tar', ['-tf', dest], { encoding: 'utf8' });
      assert.match(tar, /index\.json/);
      if (point.runsAgain) assert.match(again.stderr, RAN, 'the RUN the killed build did not finish runs again');
      else assert.doesNotMatch(again.stderr, RAN, 'the RUN the killed build finished is a cache hit');
      assert.deepEqual((await readdir(`${root}/tmp`)).filter((n) => n.startsWith('layer-')), [], 'the killed build\'s pending layers are swept');
      assert.deepEqual((await readdir(`${root}/locks`)).filter((n) => n.endsWith('.lock')), [], 'no lock is left held');

      // A third build is fully cached: what the second published is complete.
      const cached = await w.buildctl(args);
      assert.equal(cached.code, 0, cached.stderr);
      assert.doesNotMatch(cached.stderr, RAN);
    });
  }
});
