/**
 * Benchmark (issue 6): a cold build that imports a local cache. The 5-stage build (bench/lib.ts) is built once
 * with `--export-cache type=local,dest=DIR,mode=max`; then, each run with a fresh empty --root:
 *   import   `--import-cache type=local,src=DIR`: no RUN may execute (every RUN vertex CACHED), timed
 *   cold     the same build without the import, for comparison
 * interleaved, end to end through scripts/buildctl-daemonless.sh, with no --output.
 * Usage: node dist/bench/cache-import.js [runs]   (bench/run.sh puts BENCH_DIR and TMPDIR on a loop-mounted ext4)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { testEnv } from '../test/helpers/env.js';
import { find, summary, timedBuild, writeFiveStageContext, type TimedBuild } from './lib.js';

const env = testEnv();
const runs = Number(process.argv[2] ?? 5);
const work = mkdtempSync(path.join(process.env['BENCH_DIR'] ?? os.tmpdir(), 'bench-cache-import-'));
const ctx = path.join(work, 'ctx');
const cacheDir = path.join(work, 'cache');
writeFiveStageContext(ctx, env);

function build(n: number, args: string[]): TimedBuild {
  const root = path.join(work, `state-${n}`);
  try {
    return timedBuild({ context: ctx, daemonFlags: `--root ${root}`, args });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const runsOf = (b: TimedBuild) => find(b, /\] RUN /);
const exported = build(0, ['--export-cache', `type=local,dest=${cacheDir},mode=max`]);
if (runsOf(exported).length !== 4) throw new Error(`expected 4 RUN vertices, got ${JSON.stringify(exported.vertices)}`);
const times = { import: [] as number[], cold: [] as number[] };
for (let i = 1; i <= runs; i++) {
  const b = build(2 * i, ['--import-cache', `type=local,src=${cacheDir}`]);
  const ran = runsOf(b).filter((v) => v.status !== 'cached');
  if (ran.length > 0 || runsOf(b).length !== 4) throw new Error(`import: RUN steps executed: ${JSON.stringify(ran)}`);
  times.import.push(b.ms);
  times.cold.push(build(2 * i + 1, []).ms);
}
console.log(`5-stage, fresh --root, --import-cache type=local of an earlier build: ${summary(times.import, 2)}; 0 of 4 RUNs executed`);
console.log(`5-stage, fresh --root, no cache import (cold):                        ${summary(times.cold, 2)}`);
rmSync(work, { recursive: true, force: true });
