/**
 * Compression benchmark behind the choices in src/output/compress.ts (not part of the test run).
 * Usage: node dist/test/output/bench-compress.js FILE.tar [runs]
 * Each case streams FILE through the compressor into sha256, like getLayerBlob does; runs are interleaved.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Duplex, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { execa } from 'execa';
import { compressStream } from '../../src/output/compress.js';

function cli(cmd: string, args: string[]): Duplex {
  const sub = execa(cmd, args, { buffer: false });
  sub.catch(() => undefined);
  return sub.duplex();
}

const cases: Record<string, () => NodeJS.ReadWriteStream> = {
  'gzip: compressStream (pigz -6 -p N)': () => compressStream('gzip'),
  'gzip: node zlib -6': () => createGzip({ level: 6, chunkSize: 256 * 1024 }),
  'gzip: gzip -6 CLI': () => cli('gzip', ['-6', '-n', '-c']),
  'zstd: compressStream (zstd-napi -3, MT)': () => compressStream('zstd'),
  'zstd: zstd -3 -T2 CLI': () => cli('zstd', ['-3', '-T2', '-q', '-c']),
};

const file = process.argv[2];
if (file === undefined) throw new Error('usage: bench-compress FILE.tar [runs]');
const runs = Number(process.argv[3] ?? 3);
const times: Record<string, number[]> = {};
const sizes: Record<string, number> = {};
for (let r = 0; r < runs; r++) {
  for (const [name, make] of Object.entries(cases)) {
    const hash = createHash('sha256');
    let size = 0;
    const sink = new Writable({ write(c: Buffer, _e, cb) { hash.update(c); size += c.length; cb(); } });
    const t0 = performance.now();
    await pipeline(createReadStream(file, { highWaterMark: 1 << 20 }), make(), sink);
    (times[name] ??= []).push((performance.now() - t0) / 1000);
    sizes[name] = size;
  }
}
for (const [name, t] of Object.entries(times)) {
  const sorted = [...t].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  console.log(`${name.padEnd(42)} median ${median.toFixed(2)} s  (${sorted.map((x) => x.toFixed(2)).join(' ')})  ${(sizes[name]! / 1e6).toFixed(1)} MB`);
}
