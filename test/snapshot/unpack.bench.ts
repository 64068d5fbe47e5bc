/**
 * unpackLayer vs plain GNU tar on a real rootfs layer. Not a test (no .test suffix); run:
 *   mmdebstrap --variant=minbase bookworm /tmp/snapshot-bench/rootfs.tar   (once; then .gz and .zst beside it)
 *   node dist/test/snapshot/unpack.bench.js /tmp/snapshot-bench/rootfs.tar /path/on/a/journaled/ext4 [runs]
 * Prints the median wall time of interleaved runs per case.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { MediaType } from '../../src/oci/media-types.js';
import { unpackLayer } from '../../src/snapshot/index.js';

const [tar, work, runsArg] = process.argv.slice(2);
if (!tar || !work) throw new Error('usage: unpack.bench.js ROOTFS.tar WORKDIR [runs]');
const runs = Number(runsArg ?? 5);
const FLAGS = "--numeric-owner --same-owner -p --xattrs --xattrs-include='*'";

const cases: Record<string, (dest: string) => Promise<unknown>> = {
  'gnu tar (uncompressed)': async (d) => shell(`mkdir ${d} && tar -x ${FLAGS} -f ${tar} -C ${d}`),
  'unpackLayer (uncompressed)': (d) => unpackLayer({ blobPath: tar, mediaType: MediaType.ociLayer, dest: d, rootless: false }),
};
if (existsSync(`${tar}.zst`)) {
  cases['zstd -dc | gnu tar'] = async (d) => shell(`mkdir ${d} && zstd -dc ${tar}.zst | tar -x ${FLAGS} -f - -C ${d}`);
  cases['unpackLayer (zstd)'] = (d) => unpackLayer({ blobPath: `${tar}.zst`, mediaType: MediaType.ociLayerZstd, dest: d, rootless: false });
}
if (existsSync(`${tar}.gz`)) {
  cases['gzip -dc | gnu tar'] = async (d) => shell(`mkdir ${d} && gzip -dc ${tar}.gz | tar -x ${FLAGS} -f - -C ${d}`);
  cases['unpackLayer (gzip)'] = (d) => unpackLayer({ blobPath: `${tar}.gz`, mediaType: MediaType.ociLayerGzip, dest: d, rootless: false });
}

function shell(cmd: string): void {
  execFileSync('sh', ['-c', cmd], { stdio: 'inherit' });
}

const times = new Map<string, number[]>(Object.keys(cases).map((k) => [k, []]));
for (let r = 0; r < runs; r++) {
  for (const [name, fn] of Object.entries(cases)) {
    const dest = path.join(work, `bench-${r}-${Object.keys(cases).indexOf(name)}`);
    execFileSync('sync');
    const t0 = performance.now();
    await fn(dest);
    times.get(name)!.push(performance.now() - t0);
    await rm(dest, { recursive: true, force: true });
  }
}
for (const [name, ts] of times) {
  const sorted = [...ts].sort((a, b) => a - b);
  console.log(`${name.padEnd(28)} median ${(sorted[Math.floor(sorted.length / 2)]! / 1000).toFixed(2)} s  (${sorted.map((t) => (t / 1000).toFixed(2)).join(' ')})`);
}
