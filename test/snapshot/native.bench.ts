/**
 * What the native snapshotter costs on a real rootfs. Not a test (no .test suffix); run:
 *   node dist/test/snapshot/native.bench.js .cache/test-images/debian /path/on/a/journaled/ext4 [runs]
 * (the OCI layout of the Debian test image made by scripts/test-setup.sh; its one layer is unpacked once).
 * Prints the median wall time of interleaved runs per case: materialize() of the layer, the same copy by plain
 * `cp -a` and `tar | tar` for reference, recordTree(), and diffToUpper() after a small RUN-like change.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { diffToUpper, materialize, recordTree, unpackLayer } from '../../src/snapshot/index.js';

const [layout, work, runsArg] = process.argv.slice(2);
if (!layout || !work) throw new Error('usage: native.bench.js OCI_LAYOUT WORKDIR [runs]');
const runs = Number(runsArg ?? 5);
const blob = (digest: string): string => path.join(layout, 'blobs', ...digest.split(':'));
const index = JSON.parse(readFileSync(path.join(layout, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
const manifest = JSON.parse(readFileSync(blob(index.manifests[0]!.digest), 'utf8')) as { layers: { digest: string; mediaType: string }[] };
const layer = path.join(work, 'layer');
await rm(layer, { recursive: true, force: true });
for (const l of manifest.layers) await unpackLayer({ blobPath: blob(l.digest), mediaType: l.mediaType, dest: layer, rootless: false });
const [mb, entries] = execFileSync('sh', ['-c', `du -sm '${layer}' | cut -f1; find '${layer}' | wc -l`], { encoding: 'utf8' }).trim().split('\n');
console.log(`layer: ${mb} MB, ${entries} entries`);

const sh = (cmd: string): void => { execFileSync('sh', ['-c', cmd], { stdio: 'inherit' }); };
const cases: Record<string, (dest: string) => Promise<unknown>> = {
  'materialize': (d) => materialize({ layers: [layer], dest: d, rootless: false }),
  'cp -a': async (d) => sh(`cp -a '${layer}' '${d}'`),
  'tar -c | tar -x': async (d) => sh(`mkdir '${d}' && tar -C '${layer}' -c --xattrs . | tar -C '${d}' -x --xattrs --xattrs-include='*' --numeric-owner -p`),
};
const times = new Map<string, number[]>([...Object.keys(cases), 'recordTree', 'diffToUpper (small change)'].map((k) => [k, []]));
const time = async (name: string, fn: () => Promise<unknown> | unknown): Promise<void> => {
  const t0 = performance.now();
  await fn();
  times.get(name)!.push(performance.now() - t0);
};
for (let r = 0; r < runs; r++) {
  for (const [name, fn] of Object.entries(cases)) {
    const dest = path.join(work, `bench-${r}-${Object.keys(cases).indexOf(name)}`);
    execFileSync('sync');
    await time(name, () => fn(dest));
    if (name === 'materialize') {
      let before: ReturnType<typeof recordTree> | undefined;
      await time('recordTree', () => { before = recordTree(dest); });
      sh(`cd '${dest}' && rm -r usr/share/doc && echo x >> etc/passwd && mkdir -p opt/app && echo hi > opt/app/f`);
      const upper = path.join(work, `upper-${r}`);
      await mkdir(upper);
      await time('diffToUpper (small change)', () => diffToUpper({ root: dest, before: before!, upper, rootless: false }));
      await rm(upper, { recursive: true, force: true });
    }
    await rm(dest, { recursive: true, force: true });
  }
}
for (const [name, ts] of times) {
  const sorted = [...ts].sort((a, b) => a - b);
  console.log(`${name.padEnd(28)} median ${(sorted[Math.floor(sorted.length / 2)]! / 1000).toFixed(2)} s  (${sorted.map((t) => (t / 1000).toFixed(2)).join(' ')})`);
}
await rm(layer, { recursive: true, force: true });
