/**
 * The checksum memo's file format (checksum-memo.ts), laid out so that loading 20,000 records takes a few bulk
 * operations instead of 20,000 small ones:
 *
 *   "BKTSMEM2" | u32 count | u32 pathBytes                        16-byte header
 *   f64 [size, mtimeMs, ino] x count                               numbers (typed-array view)
 *   u32 [mode, uid, gid] x count
 *   32-byte sha256 x count                                         read as one hex string
 *   paths, utf8, joined with "\0"                                  read as one string, split
 *   u32 crc32 of everything before it
 *
 * Native little-endian: on a big-endian host decodeMemo gives undefined (an empty memo), never wrong numbers.
 */
import os from 'node:os';
import { crc32 } from 'node:zlib';

/** The lstat fields that identify one version of a file (a node:fs Stats has them all). */
export interface FileVersion {
  readonly size: number;
  readonly mtimeMs: number;
  readonly ino: number;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
}

export interface MemoRecord extends FileVersion {
  /** The sha256 in hex (64 characters, no "sha256:" prefix). */
  readonly digest: string;
}

/** Loaded records by position i: numbers at f64[3i..3i+2] and u32[3i..3i+2], digest at digests[64i..64i+63]. */
export interface MemoTable {
  readonly paths: readonly string[];
  readonly index: ReadonlyMap<string, number>;
  readonly f64: Float64Array;
  readonly u32: Uint32Array;
  readonly digests: string;
  /** Last use of each record (the memo's use clock; initially its position in the file). */
  readonly used: Uint32Array;
  /** 1 when a newer record replaced it. */
  readonly dropped: Uint8Array;
}

const MAGIC = Buffer.from('BKTSMEM2');
const HEADER = 16;
const LE = os.endianness() === 'LE';

/** The table of a memo file; undefined input gives an empty table; a file that is not a valid memo gives undefined. */
export function decodeMemo(buf: Buffer | undefined): MemoTable | undefined {
  if (buf === undefined) return table([], new Float64Array(0), new Uint32Array(0), '');
  if (!LE || buf.length < HEADER + 4 || !buf.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  const end = buf.length - 4;
  if (crc32(buf.subarray(0, end)) !== buf.readUInt32LE(end)) return undefined;
  const count = buf.readUInt32LE(8);
  const pathBytes = buf.readUInt32LE(12);
  const f64At = HEADER;
  const u32At = f64At + count * 24;
  const digestAt = u32At + count * 12;
  const pathsAt = digestAt + count * 32;
  if (pathsAt + pathBytes !== end) return undefined;
  // Copies (not views): the file buffer's offset need not be aligned for the typed arrays.
  const f64 = new Float64Array(count * 3);
  Buffer.from(f64.buffer).set(buf.subarray(f64At, u32At));
  const u32 = new Uint32Array(count * 3);
  Buffer.from(u32.buffer).set(buf.subarray(u32At, digestAt));
  const paths = count === 0 ? [] : buf.toString('utf8', pathsAt, end).split('\0');
  if (paths.length !== count) return undefined;
  return table(paths, f64, u32, buf.toString('hex', digestAt, pathsAt));
}

function table(paths: string[], f64: Float64Array, u32: Uint32Array, digests: string): MemoTable {
  const index = new Map<string, number>();
  const used = new Uint32Array(paths.length);
  for (let i = 0; i < paths.length; i++) { index.set(paths[i]!, i); used[i] = i; }
  return { paths, index, f64, u32, digests, used, dropped: new Uint8Array(paths.length) };
}

/** The file bytes of these records, in this order. Paths must not contain "\0". */
export function encodeMemo(records: readonly (MemoRecord & { path: string })[]): Buffer {
  const count = records.length;
  const f64 = new Float64Array(count * 3);
  const u32 = new Uint32Array(count * 3);
  const digests = Buffer.allocUnsafe(count * 32);
  records.forEach((r, i) => {
    f64[i * 3] = r.size; f64[i * 3 + 1] = r.mtimeMs; f64[i * 3 + 2] = r.ino;
    u32[i * 3] = r.mode; u32[i * 3 + 1] = r.uid; u32[i * 3 + 2] = r.gid;
    digests.write(r.digest, i * 32, 32, 'hex');
  });
  const paths = Buffer.from(records.map((r) => r.path).join('\0'), 'utf8');
  const header = Buffer.alloc(HEADER);
  MAGIC.copy(header, 0);
  header.writeUInt32LE(count, 8);
  header.writeUInt32LE(paths.length, 12);
  const body = Buffer.concat([header, Buffer.from(f64.buffer), Buffer.from(u32.buffer), digests, paths]);
  const crc = Buffer.allocUnsafe(4);
  crc.writeUInt32LE(crc32(body), 0);
  return Buffer.concat([body, crc]);
}
