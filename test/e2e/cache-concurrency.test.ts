/**
 * One --root shared by two builds started at the same moment (parallel CI jobs on one runner): both succeed,
 * and the shared work is done once: one build pulls and unpacks the base image and runs the RUN, the other
 * waits on the per-entry locks (src/cache/locks.ts) and then reports those steps CACHED.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { testEnv } from '../helpers/env.js';
import { buildArgs } from './helpers.js';
import { testWorkers } from './workers.js';

function count(text: string, re: RegExp): number {
  return text.match(new RegExp(re.source, 'g'))?.length ?? 0;
}

for (const w of testWorkers()) describe(w.name, () => {

  test('two identical builds on one --root started together both succeed; pull, unpack and RUN happen once', async () => {
    const ctx = await w.makeDir({
      Dockerfile: `FROM ${testEnv().images.busybox}\nRUN echo ran-$((40+2)) && sleep 1 && echo built > /out\n`,
    });
    const root = await w.ownedDir('buildctl-root-');
    const dests = [await w.tempPath('out1'), await w.tempPath('out2')];
    const runs = await Promise.all(dests.map((d) => w.buildctl([...buildArgs(ctx, '--output', `type=local,dest=${d}`), '--root', root])));
    for (const r of runs) assert.equal(r.code, 0, r.stderr);
    for (const d of dests) assert.equal(await readFile(path.join(d, 'out'), 'utf8'), 'built\n');
    const all = runs.map((r) => r.stderr).join('\n');
    assert.equal(count(all, /ran-42/), 1, `the RUN ran once:\n${all}`);
    assert.equal(runs.filter((r) => /#(\d+) \[2\/2\] RUN[^\n]*\n#\1 CACHED/.test(r.stderr)).length, 1, `one build reports the RUN CACHED:\n${all}`);
    assert.equal(count(all, /extracting sha256:/), 1, `the base image layer is unpacked once:\n${all}`);
  });
});
