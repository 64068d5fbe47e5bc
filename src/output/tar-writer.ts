/**
 * A minimal tar writer for image layouts, producing what Go's archive/tar writes for containerd's archive
 * exporter: USTAR headers with uid/gid 0, empty user/group names, mtime 0, entries padded to 512 bytes and
 * two zero blocks at the end (no record padding). Sizes of 8 GiB and more use the GNU base-256 size field.
 */
import { createReadStream } from 'node:fs';
import { createHash } from 'node:crypto';
import { DigestMismatchError } from '../errors.js';

export interface TarEntry {
  /** Path inside the archive; directories end with '/'. At most 100 bytes (no long-name extension). */
  name: string;
  mode: number;
  type: 'file' | 'dir';
  size: number;
  /** File content; for a blob, `sha256` is checked while it is copied (as containerd does). */
  content?: { bytes: Buffer } | { path: string; sha256: string };
}

const BLOCK = 512;
const ZERO = Buffer.alloc(BLOCK * 2);

function octal(buf: Buffer, off: number, len: number, value: number): void {
  buf.write(value.toString(8).padStart(len - 1, '0') + '\0', off, len, 'ascii');
}

/** One 512-byte USTAR header. */
export function tarHeader(e: Pick<TarEntry, 'name' | 'mode' | 'type' | 'size'>): Buffer {
  const h = Buffer.alloc(BLOCK);
  if (Buffer.byteLength(e.name) > 100) throw new Error(`tar name too long: ${e.name}`);
  h.write(e.name, 0, 100, 'utf8');
  octal(h, 100, 8, e.mode);
  octal(h, 108, 8, 0); // uid
  octal(h, 116, 8, 0); // gid
  const size = e.type === 'dir' ? 0 : e.size;
  if (size < 8 ** 11) {
    octal(h, 124, 12, size);
  } else {
    h[124] = 0x80; // base-256
    h.writeBigUInt64BE(BigInt(size), 124 + 4);
  }
  octal(h, 136, 12, 0); // mtime
  h.write(e.type === 'dir' ? '5' : '0', 156, 1, 'ascii');
  h.write('ustar\x0000', 257, 8, 'ascii');
  octal(h, 329, 8, 0); // devmajor
  octal(h, 337, 8, 0); // devminor
  h.fill(0x20, 148, 156); // checksum is computed with its own field as spaces
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'ascii');
  return h;
}

/** The archive's bytes, entry by entry; reading from it applies backpressure to the blob reads. */
export async function* tarStream(entries: TarEntry[]): AsyncGenerator<Buffer> {
  for (const e of entries) {
    yield tarHeader(e);
    if (e.type === 'dir' || e.content === undefined) continue;
    let n = 0;
    if ('bytes' in e.content) {
      n = e.content.bytes.length;
      yield e.content.bytes;
    } else {
      const hash = createHash('sha256');
      for await (const chunk of createReadStream(e.content.path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
        hash.update(chunk);
        n += chunk.length;
        yield chunk;
      }
      const got = 'sha256:' + hash.digest('hex');
      if (got !== e.content.sha256) throw new DigestMismatchError(`blob ${e.name}: content is ${got}, expected ${e.content.sha256}`);
    }
    if (n !== e.size) throw new Error(`tar entry ${e.name}: wrote ${n} bytes, header says ${e.size}`);
    if (n % BLOCK !== 0) yield ZERO.subarray(0, BLOCK - (n % BLOCK));
  }
  yield ZERO;
}
