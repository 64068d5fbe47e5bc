/**
 * Per-run overhead of runContainer over a bare `runc run` of `true` with the same config.json (root only).
 * Interleaved runs, medians. Run: node dist/test/runtime/run-overhead.bench.js [rounds]
 */
import { spawn } from 'node:child_process';
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { runContainer } from '../../src/runtime/index.js';
import { makeBusyboxOverlay } from './busybox-rootfs.js';

const rounds = Number(process.argv[2] ?? 40);
const fx = await makeBusyboxOverlay();

function bareRun(bundle: string, id: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const c = spawn('runc', ['--root', fx.runcRoot, 'run', '--bundle', bundle, id], { stdio: ['ignore', 'pipe', 'pipe'] });
    c.stdout.resume();
    c.stderr.resume();
    c.on('error', reject);
    c.on('close', (code) => resolve(code ?? -1));
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
try {
  const ours: number[] = [];
  const bare: number[] = [];
  let n = 0;
  const opts = async () => ({
    id: `bench-${n++}`, rootfs: fx.merged, process: { args: ['/bin/true'], env: [], cwd: '/' }, network: 'host' as const,
    rootless: false, bundleDir: await fx.newBundle(), runcRoot: fx.runcRoot, onOutput: () => {},
  });
  // Warm up, and keep the first bundle's config.json as the bare run's spec.
  const warm = await opts();
  await runContainer(warm);
  const bareBundle = path.join(fx.dir, 'bare');
  await mkdir(bareBundle);
  for (const f of ['config.json', 'hosts', 'resolv.conf']) await copyFile(path.join(warm.bundleDir, f), path.join(bareBundle, f));
  const { readFile, writeFile } = await import('node:fs/promises');
  const cfg = (await readFile(path.join(bareBundle, 'config.json'), 'utf8')).replaceAll(warm.bundleDir, bareBundle);
  await writeFile(path.join(bareBundle, 'config.json'), cfg);
  for (let i = 0; i < rounds; i++) {
    const o = await opts();
    let t = performance.now();
    if ((await runContainer(o)).exitCode !== 0) throw new Error('runContainer failed');
    ours.push(performance.now() - t);
    t = performance.now();
    if ((await bareRun(bareBundle, `bare-${i}`)) !== 0) throw new Error('bare runc failed');
    bare.push(performance.now() - t);
  }
  const m = { runContainer: median(ours), bareRunc: median(bare), overhead: median(ours) - median(bare) };
  console.log(JSON.stringify({ rounds, medianMs: Object.fromEntries(Object.entries(m).map(([k, v]) => [k, Math.round(v * 10) / 10])) }));
} finally {
  await fx.cleanup();
}
