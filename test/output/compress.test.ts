import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { DecompressStream } from 'zstd-napi';
import { execa } from 'execa';
import { compressStream, gzipImplementation } from '../../src/output/compress.js';
import type { Compression } from '../../src/oci/media-types.js';

/** 8 MiB of compressible but not trivial bytes. */
function sample(): Buffer {
  const b = Buffer.alloc(8 << 20);
  let x = 12345;
  for (let i = 0; i < b.length; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    b[i] = (x >> 16) % 16 + 97;
  }
  return b;
}
const DATA = sample();

async function collect(src: NodeJS.ReadableStream, ...through: NodeJS.ReadWriteStream[]): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await pipeline([src, ...through, new Writable({ write(c: Buffer, _e, cb) { chunks.push(c); cb(); } })]);
  return Buffer.concat(chunks);
}
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

for (const c of ['gzip', 'zstd', 'uncompressed'] as Compression[]) {
  test(`${c}: round-trips and is deterministic`, async () => {
    const a = await collect(Readable.from([DATA]), compressStream(c));
    const b = await collect(Readable.from([DATA.subarray(0, 1000), DATA.subarray(1000)]), compressStream(c));
    assert.equal(sha(a), sha(b), 'same input, same bytes (chunking must not matter)');
    if (c !== 'uncompressed') assert.ok(a.length < DATA.length / 2, `${c} compresses`);
    const back = c === 'gzip' ? createGunzip() : c === 'zstd' ? new DecompressStream() : undefined;
    const plain = back === undefined ? a : await collect(Readable.from([a]), back);
    assert.equal(sha(plain), sha(DATA));
  });
}

test('a bad level is rejected', () => {
  assert.throws(() => compressStream('gzip', 10), RangeError);
  assert.throws(() => compressStream('zstd', 23), RangeError);
});

test('gzip via pigz: destroying the stream stops the child, a killed child is a stream error', { skip: gzipImplementation() !== 'pigz' }, async () => {
  const children = async (): Promise<string> =>
    (await execa('pgrep', ['-P', String(process.pid), 'pigz'], { reject: false })).stdout.trim();
  const s = compressStream('gzip');
  s.on('data', () => undefined);
  const failed = new Promise<unknown>((resolve) => s.on('error', resolve));
  s.write(Buffer.alloc(1 << 20));
  await new Promise((r) => setTimeout(r, 100));
  const pid = await children();
  assert.notEqual(pid, '');
  process.kill(Number(pid), 'SIGKILL');
  assert.match(String((await failed as Error).message), /SIGKILL/);

  const t = compressStream('gzip');
  t.on('data', () => undefined);
  t.on('error', () => undefined);
  t.write(Buffer.alloc(1 << 20));
  await new Promise((r) => setTimeout(r, 100));
  assert.notEqual(await children(), '');
  t.destroy();
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(await children(), '');
});
