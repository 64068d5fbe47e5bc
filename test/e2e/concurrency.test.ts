/**
 * The solver runs independent vertices concurrently and identical vertices once: a 5-stage build whose 4
 * stages are independent, with one more stage identical to another, built in-process so the test can record
 * when each vertex starts and ends.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runBuild } from '../../src/build/build.js';
import type { BuildRequest } from '../../src/build/request.js';
import type { ProgressSink, VertexProgress } from '../../src/progress/types.js';
import { testEnv } from '../helpers/env.js';
import { makeDir, tempPath } from './helpers.js';

function recordingProgress(names: Map<number, string>): ProgressSink {
  let n = 0;
  return {
    vertex(name: string): VertexProgress {
      const id = ++n;
      names.set(id, name);
      const noop = (): void => undefined;
      return { id, start: noop, log: noop, status: noop, cached: noop, done: noop, error: noop };
    },
    warn: () => undefined,
    close: async () => undefined,
  };
}

function request(ctx: string, dest: string): BuildRequest {
  return { frontend: 'dockerfile.v0', locals: new Map([['context', ctx], ['dockerfile', ctx]]), frontendOpts: { filename: 'Dockerfile', buildArgs: new Map(), raw: new Map() }, outputs: [{ type: 'local', dest }], noCache: false };
}

test('independent stages overlap in time; an identical stage is run once', async () => {
  const env = testEnv();
  const run = (tag: string): string => `RUN sleep 1 && echo ${tag} > /${tag}`;
  const ctx = await makeDir({
    Dockerfile: [
      `FROM ${env.images.busybox} AS a`, run('a'),
      `FROM ${env.images.busybox} AS b`, run('b'),
      `FROM ${env.images.debian} AS c`, run('c'),
      `FROM ${env.images.debian} AS d`, run('d'),
      `FROM ${env.images.busybox} AS a2`, run('a'),
      `FROM ${env.images.busybox}`,
      'COPY --from=a /a /a', 'COPY --from=b /b /b', 'COPY --from=c /c /c', 'COPY --from=d /d /d', 'COPY --from=a2 /a /a2',
    ].join('\n') + '\n',
  });
  // Warm a persistent state dir with the base images, so the four RUNs become ready at the same moment.
  const root = await mkdtemp(path.join(os.tmpdir(), 'buildctl-root-'));
  const warm = await makeDir({ Dockerfile: `FROM ${env.images.debian} AS c\nFROM ${env.images.busybox}\nCOPY --from=c /etc/debian_version /v\n` });
  await runBuild(request(warm, await tempPath('warm')), { debug: false, root }, { progress: recordingProgress(new Map()), signal: new AbortController().signal });
  const dest = await tempPath('out');
  const timings: { digest: string; phase: 'start' | 'end'; at: number; kind: string }[] = [];
  await runBuild(
    request(ctx, dest),
    { debug: false, root },
    { progress: recordingProgress(new Map()), signal: new AbortController().signal, onVertexTiming: (digest, phase, at, kind) => timings.push({ digest, phase, at, kind }) },
  );
  for (const f of ['a', 'b', 'c', 'd']) assert.equal(await readFile(path.join(dest, f), 'utf8'), `${f}\n`);
  assert.equal(await readFile(path.join(dest, 'a2'), 'utf8'), 'a\n');

  const spans = new Map<string, { start: number; end: number }>();
  for (const t of timings.filter((x) => x.kind === 'exec')) {
    const s = spans.get(t.digest) ?? { start: 0, end: 0 };
    s[t.phase] = t.at;
    spans.set(t.digest, s);
  }
  const runs = [...spans.values()];
  for (const s of runs) assert.ok(s.end - s.start >= 1000, 'each RUN sleeps a second');
  assert.equal(runs.length, 4, `expected 4 distinct RUN vertices (a and a2 are one), got ${runs.length}`);
  const latestStart = Math.max(...runs.map((s) => s.start));
  const earliestEnd = Math.min(...runs.map((s) => s.end));
  assert.ok(latestStart < earliestEnd, `the four RUNs did not all overlap: latest start ${latestStart}, earliest end ${earliestEnd}`);
});
