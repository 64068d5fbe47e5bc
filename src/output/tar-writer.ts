/**
 * A minimal tar writer for image layouts, shaped like what Go's archive/tar writes for containerd's archive
 * exporter: USTAR headers (npm tar's Header) with uid/gid 0, empty user/group names, mtime 0, entries padded to
 * 512 bytes and two zero blocks at the end (no record padding).
 */
import { createReadStream } from 'node:fs';
import { createHash } from 'node:crypto';
import { Header } from 'tar';
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

/** One 512-byte USTAR header (npm tar's Header encodes it; sizes of 8 GiB and more get base-256). */
export function tarHeader(e: Pick<TarEntry, 'name' | 'mode' | 'type' | 'size'>): Buffer {
  if (Buffer.byteLength(e.name) > 100) throw new Error(`tar name too long: ${e.name}`);
  const h = Buffer.alloc(BLOCK);
  new Header({
    path: e.name, mode: e.mode, uid: 0, gid: 0, uname: '', gname: '', size: e.type === 'dir' ? 0 : e.size,
    mtime: new Date(0), type: e.type === 'dir' ? 'Directory' : 'File',
  }).encode(h, 0);
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
