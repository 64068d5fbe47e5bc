/**
 * Shared pieces of the benchmarks: one timed build through scripts/buildctl-daemonless.sh (Node start included),
 * what its plain progress says about each vertex, and medians.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { TestEnv } from '../test/helpers/env.js';
import { SCRIPT } from '../test/e2e/helpers.js';

/**
 * The 5-stage build of issues 2 and 6 in `ctx` (made): 4 independent stages (two busybox, two Debian; each COPYs
 * its own input and hashes `seq 1 200000`) and a final busybox stage collecting their outputs.
 */
export function writeFiveStageContext(ctx: string, env: TestEnv): void {
  mkdirSync(ctx, { recursive: true });
  const stage = (name: string, base: string): string =>
    `FROM ${base} AS ${name}\nCOPY ${name}.txt /in/\nRUN seq 1 200000 | sha256sum > /out-${name} && cat /in/${name}.txt >> /out-${name}\n`;
  writeFileSync(path.join(ctx, 'Dockerfile'), [
    stage('a', env.images.busybox), stage('b', env.images.busybox), stage('c', env.images.debian), stage('d', env.images.debian),
    `FROM ${env.images.busybox}\nCOPY --from=a /out-a /\nCOPY --from=b /out-b /\nCOPY --from=c /out-c /\nCOPY --from=d /out-d /\n`,
  ].join('\n'));
  for (const n of ['a', 'b', 'c', 'd']) writeFileSync(path.join(ctx, `${n}.txt`), `input ${n}\n`);
}

export interface TimedBuild {
  /** Wall time of the whole build in ms. */
  ms: number;
  /** Each vertex's name and how it ended ("#N name" then "#N CACHED" or "#N DONE 1.2s"), in order. */
  vertices: { name: string; status: 'cached' | 'done' | 'other'; seconds?: number }[];
  stderr: string;
}

export interface BuildOptions {
  /** Context and dockerfile dir. */
  context: string;
  /** Extra buildctl flags after the frontend and locals (e.g. --output, --import-cache). */
  args?: readonly string[];
  /** BUILDKITD_FLAGS (e.g. "--root DIR"); '' = ephemeral state. */
  daemonFlags: string;
  env?: NodeJS.ProcessEnv;
}

/** Run one build with --progress plain; throws with the tail of stderr when it fails. */
export function timedBuild(o: BuildOptions): TimedBuild {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(SCRIPT, ['build', '--frontend', 'dockerfile.v0', '--local', `context=${o.context}`, '--local', `dockerfile=${o.context}`,
    '--progress', 'plain', ...(o.args ?? [])], {
    env: { ...process.env, ...o.env, BUILDKITD_FLAGS: o.daemonFlags }, encoding: 'utf8', maxBuffer: 1 << 26,
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`build failed (${r.status}): ${r.stderr.trim().split('\n').slice(-5).join(' | ')}`);
  return { ms, vertices: vertices(r.stderr), stderr: r.stderr };
}

function vertices(progress: string): TimedBuild['vertices'] {
  const byNum = new Map<string, TimedBuild['vertices'][number]>();
  for (const l of progress.split('\n')) {
    const m = /^#(\d+) (.*)$/.exec(l);
    if (!m) continue;
    const [, num, rest] = m as unknown as [string, string, string];
    const v = byNum.get(num);
    if (v === undefined) { byNum.set(num, { name: rest, status: 'other' }); continue; }
    if (rest === 'CACHED') v.status = 'cached';
    const done = /^DONE (\d+\.\d+)s$/.exec(rest);
    if (done) { v.status = 'done'; v.seconds = Number(done[1]); }
  }
  return [...byNum.values()];
}

/** The vertices whose name matches, e.g. /\] COPY \. \/src$/. */
export function find(b: TimedBuild, name: RegExp): TimedBuild['vertices'] {
  return b.vertices.filter((v) => name.test(v.name));
}

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

/** "0.412 s (0.398-0.455)": median and range of ms values, in seconds. */
export function summary(ms: readonly number[], digits = 3): string {
  const s = (x: number): string => (x / 1000).toFixed(digits);
  return `${s(median(ms))} s (${s(Math.min(...ms))}-${s(Math.max(...ms))}, n=${ms.length})`;
}
