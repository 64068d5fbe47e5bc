/**
 * ADD's archive detection, by content as BuildKit does it (util/archiveutil.DecompressStream + tar.Reader.Next):
 * the compression is recognised from magic bytes (gzip, bzip2, xz, zstd, or none), and the file is an archive
 * when its first decompressed block is a valid tar header. A file name never matters: `foo.tar.gz` holding text
 * is copied as a file, an archive called `data.bin` is extracted.
 *
 * gzip and zstd decompress in process (zlib, zstd-napi); bzip2 and xz through the system `bzip2 -dc` / `xz -dc`
 * (Node has no decoder for them; both are part of Debian's base system).
 */
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { DecompressStream } from 'zstd-napi';

export type ArchiveCompression = 'none' | 'gzip' | 'bzip2' | 'xz' | 'zstd';

const MAGIC: ReadonlyArray<[ArchiveCompression, number[]]> = [
  ['gzip', [0x1f, 0x8b, 0x08]],
  ['bzip2', [0x42, 0x5a, 0x68]],
  ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
  ['zstd', [0x28, 0xb5, 0x2f, 0xfd]],
];

export function compressionFromMagic(head: Uint8Array): ArchiveCompression {
  for (const [kind, magic] of MAGIC) if (magic.every((b, i) => head[i] === b)) return kind;
  return 'none';
}

/** The file's content, decompressed as its magic bytes say. */
export function openDecompressed(file: string, kind: ArchiveCompression): Readable {
  const raw = createReadStream(file, { highWaterMark: 1 << 20 });
  if (kind === 'none') return raw;
  if (kind === 'gzip' || kind === 'zstd') {
    const dec = kind === 'gzip' ? createGunzip() : new DecompressStream();
    raw.on('error', (e) => dec.destroy(e));
    return raw.pipe(dec);
  }
  const child = spawn(kind, ['-dc'], { stdio: ['pipe', 'pipe', 'pipe'] });
  const err: Buffer[] = [];
  child.stderr.on('data', (d: Buffer) => err.push(d));
  raw.on('error', (e) => child.stdout.destroy(e));
  child.stdin.on('error', () => undefined); // EPIPE when the reader stops early (detection reads one block)
  raw.pipe(child.stdin);
  child.on('close', (code) => {
    if (code !== 0 && code !== null && !child.stdout.destroyed) {
      child.stdout.destroy(new Error(`${kind} -dc: ${Buffer.concat(err).toString().trim() || `exit ${code}`}`));
    }
  });
  return child.stdout;
}

/** Read up to n bytes from the start of a stream, then close it. */
async function readHead(stream: Readable, n: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let len = 0;
  try {
    for await (const chunk of stream) {
      parts.push(chunk as Buffer);
      len += (chunk as Buffer).length;
      if (len >= n) break;
    }
  } catch {
    // A corrupt stream is simply not an archive.
  } finally {
    stream.destroy();
  }
  return Buffer.concat(parts).subarray(0, n);
}

/** The file's compression when it is a (compressed) tar archive; undefined when it is not one. */
export async function detectArchive(file: string): Promise<ArchiveCompression | undefined> {
  const fh = await open(file, 'r');
  const magic = Buffer.alloc(8);
  try { await fh.read(magic, 0, 8, 0); } finally { await fh.close(); }
  const kind = compressionFromMagic(magic);
  const block = await readHead(openDecompressed(file, kind), 512);
  return isTarHeader(block) ? kind : undefined;
}

/** Go's archive/tar accepts a first block whose checksum field matches the unsigned or signed byte sum. */
export function isTarHeader(block: Uint8Array): boolean {
  if (block.length < 512 || block.every((b) => b === 0)) return false;
  const field = Buffer.from(block.subarray(148, 156)).toString('latin1').replace(/[\0 ]+$/g, '').trim();
  if (!/^[0-7]+$/.test(field)) return false;
  const want = parseInt(field, 8);
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < 512; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : block[i]!;
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  return want === unsigned || want === signed;
}
