/**
 * Benchmark: a 5-stage build with 4 independent stages (two busybox-based, two Debian-based, each COPYing its
 * own input and hashing `seq 1 200000`) and a final stage collecting them. Measures, end to end through
 * scripts/buildctl-daemonless.sh (Node start included):
 *   cold    fresh state dir each time (pull, unpack, run everything)
 *   cached  the same build again on a warm --root (every step CACHED)
 * Each as root and as the rootless test user (through rootlesskit), interleaved; also rootlesskit's own start
 * cost. Prints medians. Run via bench/run.sh, which puts the state dirs on a loop-mounted ext4 (see RUNTIME-FACTS).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { testEnv } from '../test/helpers/env.js';
import { SCRIPT } from '../test/e2e/helpers.js';
import { writeFiveStageContext } from './lib.js';

const env = testEnv();
const work = mkdtempSync(path.join(process.env['BENCH_DIR'] ?? os.tmpdir(), 'bench-5stage-'));
const ctx = path.join(work, 'ctx');
writeFiveStageContext(ctx, env);

interface Who { name: string; uid: number; gid: number; env: NodeJS.ProcessEnv }
const user = env.users.rootless;
const workers: Who[] = [
  { name: 'root', uid: 0, gid: 0, env: {} },
  { name: 'rootless', uid: user.uid, gid: user.gid, env: { HOME: user.home, USER: user.name, LOGNAME: user.name } },
];
// The rootless user reads the context and writes its state dirs and outputs here.
chmodSync(work, 0o755);
const userDir = path.join(work, 'user');
mkdirSync(userDir);
chownSync(userDir, user.uid, user.gid);
const home = (w: Who): string => (w.uid === 0 ? work : userDir);

function build(w: Who, root: string | undefined, dest: string): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(SCRIPT, ['build', '--frontend', 'dockerfile.v0', '--local', `context=${ctx}`, '--local', `dockerfile=${ctx}`,
    '--progress', 'plain', '--output', `type=local,dest=${dest}`], {
    // The user's temp files (run dir, ephemeral state) on the bench filesystem too, in a dir it may write.
    env: { ...process.env, ...w.env, TMPDIR: home(w), BUILDKITD_FLAGS: root ? `--root ${root}` : '' }, encoding: 'utf8', uid: w.uid, gid: w.gid,
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${w.name} build failed: ${r.stderr}`);
  rmSync(dest, { recursive: true, force: true });
  return ms;
}

/** rootlesskit's own start cost: `rootlesskit --net=host --copy-up=/etc true` as the user, against plain `true`. */
function rootlesskitStart(runs: number): { bare: number; rk: number } {
  const time = (argv: string[]): number => {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(argv[0]!, argv.slice(1), { uid: user.uid, gid: user.gid, env: { ...process.env, HOME: user.home }, cwd: userDir });
    if (r.status !== 0) throw new Error(`${argv.join(' ')} failed: ${String(r.stderr)}`);
    return Number(process.hrtime.bigint() - t0) / 1e6;
  };
  const bare: number[] = [];
  const rk: number[] = [];
  for (let i = 0; i < runs; i++) {
    bare.push(time(['true']));
    rk.push(time(['rootlesskit', '--net=host', '--copy-up=/etc', `--state-dir=${path.join(userDir, `rk-${i}`)}`, 'true']));
  }
  return { bare: median(bare), rk: median(rk) };
}

const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]!; };
const coldRuns = Number(process.env['COLD_RUNS'] ?? 3);
const cachedRuns = Number(process.env['CACHED_RUNS'] ?? 10);

// Interleaved (root, rootless, root, ...) so that drift of the machine hits both alike.
const cold = new Map<string, number[]>(workers.map((w) => [w.name, []]));
for (let i = 0; i < coldRuns; i++) {
  for (const w of workers) {
    const root = path.join(home(w), `cold-${i}`);
    cold.get(w.name)!.push(build(w, root, path.join(home(w), 'out')));
    rmSync(root, { recursive: true, force: true });
  }
}
for (const w of workers) build(w, path.join(home(w), 'warm'), path.join(home(w), 'out'));
const cached = new Map<string, number[]>(workers.map((w) => [w.name, []]));
for (let i = 0; i < cachedRuns; i++) {
  for (const w of workers) cached.get(w.name)!.push(build(w, path.join(home(w), 'warm'), path.join(home(w), 'out')));
}
const start = rootlesskitStart(Number(process.env['RK_RUNS'] ?? 10));
rmSync(work, { recursive: true, force: true });
const list = (xs: number[], digits: number): string => xs.map((x) => (x / 1000).toFixed(digits)).join(' ');
for (const w of workers) {
  const c = cold.get(w.name)!;
  const k = cached.get(w.name)!;
  console.log(`five-stage ${w.name.padEnd(8)} cold   median ${(median(c) / 1000).toFixed(2)} s over ${coldRuns} runs  [${list(c, 2)}]`);
  console.log(`five-stage ${w.name.padEnd(8)} cached median ${(median(k) / 1000).toFixed(3)} s over ${cachedRuns} runs  [${list(k, 3)}]`);
}
const ratio = (name: 'cold' | 'cached'): string => {
  const m = name === 'cold' ? cold : cached;
  return `${((median(m.get('rootless')!) / median(m.get('root')!) - 1) * 100).toFixed(1)}%`;
};
console.log(`rootless vs root: cold ${ratio('cold')}, cached ${ratio('cached')}`);
console.log(`rootlesskit start: median ${(start.rk - start.bare).toFixed(0)} ms over plain \`true\` (${start.rk.toFixed(0)} vs ${start.bare.toFixed(0)} ms)`);
