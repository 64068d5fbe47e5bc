/**
 * Benchmark: a 5-stage build with 4 independent stages (two busybox-based, two Debian-based, each COPYing its
 * own input and hashing `seq 1 200000`) and a final stage collecting them. Measures, end to end through
 * scripts/buildctl-daemonless.sh (Node start included):
 *   cold    fresh state dir each time (pull, unpack, run everything)
 *   cached  the same build again on a warm --root (every step CACHED)
 * Prints medians. Run via bench/run.sh, which puts the state dirs on a loop-mounted ext4 (see RUNTIME-FACTS).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { testEnv } from '../test/helpers/env.js';
import { SCRIPT } from '../test/e2e/helpers.js';

const env = testEnv();
const work = mkdtempSync(path.join(process.env['BENCH_DIR'] ?? os.tmpdir(), 'bench-5stage-'));
const ctx = path.join(work, 'ctx');
mkdirSync(ctx);
const stage = (name: string, base: string): string =>
  `FROM ${base} AS ${name}\nCOPY ${name}.txt /in/\nRUN seq 1 200000 | sha256sum > /out-${name} && cat /in/${name}.txt >> /out-${name}\n`;
writeFileSync(path.join(ctx, 'Dockerfile'), [
  stage('a', env.images.busybox), stage('b', env.images.busybox), stage('c', env.images.debian), stage('d', env.images.debian),
  `FROM ${env.images.busybox}\nCOPY --from=a /out-a /\nCOPY --from=b /out-b /\nCOPY --from=c /out-c /\nCOPY --from=d /out-d /\n`,
].join('\n'));
for (const n of ['a', 'b', 'c', 'd']) writeFileSync(path.join(ctx, `${n}.txt`), `input ${n}\n`);

function build(root: string | undefined, dest: string): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(SCRIPT, ['build', '--frontend', 'dockerfile.v0', '--local', `context=${ctx}`, '--local', `dockerfile=${ctx}`,
    '--progress', 'plain', '--output', `type=local,dest=${dest}`], { env: { ...process.env, BUILDKITD_FLAGS: root ? `--root ${root}` : '' }, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`build failed: ${r.stderr}`);
  rmSync(dest, { recursive: true, force: true });
  return ms;
}

const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]!; };
const coldRuns = Number(process.env['COLD_RUNS'] ?? 3);
const cachedRuns = Number(process.env['CACHED_RUNS'] ?? 10);

const cold: number[] = [];
for (let i = 0; i < coldRuns; i++) {
  const root = path.join(work, `cold-${i}`);
  cold.push(build(root, path.join(work, 'out')));
  rmSync(root, { recursive: true, force: true });
}
const root = path.join(work, 'warm');
build(root, path.join(work, 'out'));
const cached: number[] = [];
for (let i = 0; i < cachedRuns; i++) cached.push(build(root, path.join(work, 'out')));
rmSync(work, { recursive: true, force: true });
console.log(`five-stage cold   median ${(median(cold) / 1000).toFixed(2)} s over ${coldRuns} runs  [${cold.map((x) => (x / 1000).toFixed(2)).join(' ')}]`);
console.log(`five-stage cached median ${(median(cached) / 1000).toFixed(3)} s over ${cachedRuns} runs  [${cached.map((x) => (x / 1000).toFixed(3)).join(' ')}]`);
