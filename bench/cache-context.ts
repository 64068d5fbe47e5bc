/**
 * Benchmark (issue 6): a context of 20,000 small files (200 dirs x 100 files of 64-2,000 bytes) plus one 200 MB
 * file, `FROM busybox` + `COPY . /src`, rebuilt on a warm persistent --root, end to end through
 * scripts/buildctl-daemonless.sh (Node start included), with no --output (the numbers are the build; an output
 * would add its own export time, the same for every tool). Cases, interleaved:
 *   touch     `touch` one small file, rebuild: the COPY is CACHED (content keys ignore mtime)  goal < 0.45 s, BuildKit 1.26 s
 *   edit      append to one small file, rebuild: the COPY runs again                           goal < 5 s,    BuildKit 5.9 s
 *   nothing   rebuild with nothing changed
 * Each build's progress is checked (CACHED or not) so a fast wrong answer cannot pass for a fast right one.
 * Usage: node dist/bench/cache-context.js [runs]   (bench/run.sh puts BENCH_DIR and TMPDIR on a loop-mounted ext4)
 */
import { randomBytes } from 'node:crypto';
import { appendFileSync, closeSync, mkdirSync, mkdtempSync, openSync, rmSync, utimesSync, writeFileSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { testEnv } from '../test/helpers/env.js';
import { find, summary, timedBuild, type TimedBuild } from './lib.js';

const env = testEnv();
const runs = Number(process.argv[2] ?? 7);
const work = mkdtempSync(path.join(process.env['BENCH_DIR'] ?? os.tmpdir(), 'bench-cache-context-'));
const ctx = path.join(work, 'ctx');
const root = path.join(work, 'state');

/** The context; every file gets an old mtime, as a checked-out tree has (a file changed in the last 2 s is never memoized). */
function makeContext(): void {
  const old = Date.now() / 1000 - 3600;
  for (let d = 0; d < 200; d++) {
    const dir = path.join(ctx, `d${d}`);
    mkdirSync(dir, { recursive: true });
    for (let f = 0; f < 100; f++) {
      const p = path.join(dir, `f${f}.txt`);
      writeFileSync(p, `${d}/${f} `.repeat(8 + ((d * 100 + f) % 250)));
      utimesSync(p, old, old);
    }
  }
  const big = path.join(ctx, 'big.bin');
  const fd = openSync(big, 'w');
  const chunk = randomBytes(1 << 20);
  for (let i = 0; i < 200; i++) { chunk.writeUInt32LE(i, 0); writeSync(fd, chunk); }
  closeSync(fd);
  utimesSync(big, old, old);
  writeFileSync(path.join(ctx, 'Dockerfile'), `FROM ${env.images.busybox}\nCOPY . /src\n`);
  utimesSync(path.join(ctx, 'Dockerfile'), old, old);
}

const build = (): TimedBuild => timedBuild({ context: ctx, daemonFlags: `--root ${root}` });

/** The COPY's vertex must have ended as `want`. */
function check(b: TimedBuild, want: 'cached' | 'done', what: string): number {
  const copy = find(b, /COPY \. \/src$/);
  if (copy.length !== 1 || copy[0]!.status !== want) throw new Error(`${what}: COPY should be ${want}: ${JSON.stringify(copy)}`);
  return b.ms;
}

makeContext();
const first = build();
check(first, 'done', 'first build');
const small = path.join(ctx, 'd7', 'f7.txt');
const edited = path.join(ctx, 'd5', 'f5.txt');
const times = { touch: [] as number[], edit: [] as number[], nothing: [] as number[] };
const copySeconds: number[] = [];
for (let i = 0; i < runs; i++) {
  const now = Date.now() / 1000;
  utimesSync(small, now, now);
  times.touch.push(check(build(), 'cached', 'touch'));
  appendFileSync(edited, `edit ${i}\n`);
  const e = build();
  times.edit.push(check(e, 'done', 'edit'));
  copySeconds.push(find(e, /COPY \. \/src$/)[0]!.seconds! * 1000);
  times.nothing.push(check(build(), 'cached', 'nothing changed'));
}
console.log(`context: 20,000 files + 200 MB; first build (cold, --root empty) ${(first.ms / 1000).toFixed(2)} s`);
console.log(`touch one file, rebuild (COPY CACHED)      ${summary(times.touch)}   goal < 0.45 s, BuildKit 1.26 s`);
console.log(`edit one file, rebuild (COPY runs)         ${summary(times.edit, 2)}   goal < 5 s, BuildKit 5.9 s; the COPY step ${summary(copySeconds, 1)}`);
console.log(`nothing changed, rebuild                   ${summary(times.nothing)}`);
rmSync(work, { recursive: true, force: true });
