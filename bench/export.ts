/**
 * Benchmark (issue 5): the Debian test image plus `RUN cp -a /usr /usr2` (one big new layer), end to end through
 * scripts/buildctl-daemonless.sh with a fresh ephemeral state each run (pull, unpack, RUN, export), as root:
 *   gzip   --output type=oci,dest=FILE               (goal <= 10 s; BuildKit daemonless 13.8 s)
 *   zstd   --output type=oci,dest=FILE,compression=zstd   (goal < 4 s)
 *   push   --output type=image,name=REGISTRY/bench/export:gzip,push=true to the test registry (goal <= 9 s;
 *          BuildKit 11.3 s); skipped with the reason when the build cannot push (the image exporter missing).
 * Runs are interleaved; prints medians of the whole build and of the export step alone (its DONE time).
 * Usage: node dist/bench/export.js [runs]   (bench/run.sh puts TMPDIR on a loop-mounted ext4)
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { testEnv } from '../test/helpers/env.js';
import { SCRIPT } from '../test/e2e/helpers.js';

const env = testEnv();
const runs = Number(process.argv[2] ?? 5);
const work = mkdtempSync(path.join(process.env['BENCH_DIR'] ?? os.tmpdir(), 'bench-export-'));
const ctx = path.join(work, 'ctx');
mkdirSync(ctx);
writeFileSync(path.join(ctx, 'Dockerfile'), `FROM ${env.images.debian}\nRUN cp -a /usr /usr2\n`);

interface Case { name: string; output: (dest: string) => string; exportVertex: RegExp }
const cases: Case[] = [
  { name: 'gzip OCI tarball', output: (d) => `type=oci,dest=${d}`, exportVertex: /exporting to oci image format/ },
  { name: 'zstd OCI tarball', output: (d) => `type=oci,dest=${d},compression=zstd`, exportVertex: /exporting to oci image format/ },
  { name: 'gzip push to loopback registry', output: () => `type=image,name=${env.registry}/bench/export:gzip,push=true,registry.insecure=true`, exportVertex: /exporting to image/ },
];

function build(c: Case): { total: number; exportStep: number; size: number } {
  const dest = path.join(work, 'out.tar');
  const t0 = process.hrtime.bigint();
  const r = spawnSync(SCRIPT, ['build', '--frontend', 'dockerfile.v0', '--local', `context=${ctx}`, '--local', `dockerfile=${ctx}`,
    '--progress', 'plain', '--output', c.output(dest)], { encoding: 'utf8', env: { ...process.env, BUILDKITD_FLAGS: '' } });
  const total = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`${c.name}: build failed: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  // "#N exporting to ..." then "#N DONE 1.2s" for the same vertex number
  const num = new RegExp(`^#(\\d+) ${c.exportVertex.source}`, 'm').exec(r.stderr)?.[1];
  const done = num === undefined ? undefined : new RegExp(`^#${num} DONE (\\d+\\.\\d+)s$`, 'm').exec(r.stderr)?.[1];
  let size = 0;
  try { size = statSync(dest).size; rmSync(dest); } catch { /* push: no file */ }
  return { total, exportStep: done === undefined ? Number.NaN : Number(done), size };
}

/** The new layer uncompressed: an oci layout with compression=uncompressed; its size, and its path for bench-compress. */
function newLayer(): { size: number; file: string } {
  const layout = path.join(work, 'layout');
  const r = spawnSync(SCRIPT, ['build', '--frontend', 'dockerfile.v0', '--local', `context=${ctx}`, '--local', `dockerfile=${ctx}`,
    '--progress', 'quiet', '--output', `type=oci,tar=false,dest=${layout},compression=uncompressed`], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`uncompressed build failed: ${r.stderr}`);
  const index = JSON.parse(readFileSync(path.join(layout, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
  const blob = (d: string): string => path.join(layout, 'blobs/sha256', d.slice('sha256:'.length));
  const m = JSON.parse(readFileSync(blob(index.manifests[0]!.digest), 'utf8')) as { layers: { digest: string; size: number }[] };
  const top = m.layers[m.layers.length - 1]!;
  return { size: top.size, file: blob(top.digest) };
}

const layer = newLayer();
const entries = spawnSync('tar', ['-tf', layer.file], { encoding: 'utf8', maxBuffer: 1 << 28 }).stdout.split('\n').length - 1;
console.log(`new layer: ${(layer.size / 1e6).toFixed(1)} MB uncompressed, ${entries} entries (${layer.file})`);

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const results = new Map<string, { total: number[]; exportStep: number[]; size: number }>();
const skipped = new Map<string, string>();
for (let i = 0; i < runs; i++) {
  for (const c of cases) {
    if (skipped.has(c.name)) continue;
    try {
      const r = build(c);
      const acc = results.get(c.name) ?? { total: [], exportStep: [], size: 0 };
      acc.total.push(r.total);
      acc.exportStep.push(r.exportStep);
      acc.size = r.size;
      results.set(c.name, acc);
    } catch (e) {
      if (!c.name.includes('push')) throw e;
      skipped.set(c.name, (e as Error).message);
    }
  }
}
for (const c of cases) {
  const r = results.get(c.name);
  if (r === undefined) {
    console.log(`${c.name.padEnd(32)} skipped: ${skipped.get(c.name) ?? ''}`);
    continue;
  }
  const t = r.total.map((x) => x.toFixed(2)).join(' ');
  console.log(`${c.name.padEnd(32)} build median ${median(r.total).toFixed(2)} s (${t}); export step median ${median(r.exportStep).toFixed(1)} s` +
    (r.size > 0 ? `; tarball ${(r.size / 1e6).toFixed(1)} MB` : ''));
}
if (process.env['BENCH_KEEP_LAYER'] === undefined) rmSync(work, { recursive: true, force: true });
