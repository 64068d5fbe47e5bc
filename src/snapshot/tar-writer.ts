/**
 * Write tar entries to a stream: ustar headers from npm tar's `Header`, a PAX extended header (npm tar's `Pax`
 * for the standard fields, plus `SCHILY.xattr.*` records, whose values are raw bytes Pax cannot carry) when a
 * field does not fit ustar or the entry has xattrs. File bodies are streamed from disk with backpressure; small
 * entries are batched into one write.
 */
import { once } from 'node:events';
import { closeSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { Header, Pax } from 'tar';
import type { XattrSet } from './xattrs.js';

export type EntryType = 'File' | 'Directory' | 'SymbolicLink' | 'Link' | 'CharacterDevice' | 'BlockDevice' | 'FIFO';

export interface TarEntry {
  /** Relative, no leading "./"; directories end in "/". */
  path: string;
  type: EntryType;
  mode: number;
  uid: number;
  gid: number;
  /** Whole seconds since the epoch. */
  mtime: number;
  /** Body length; only for 'File'. */
  size?: number;
  linkpath?: string;
  devmaj?: number;
  devmin?: number;
  xattrs?: XattrSet;
}

const BLOCK = 512;
/** Bytes collected before one write to `out`; files up to this size are read straight into the batch. */
const BATCH = 256 * 1024;
const READ_CHUNK = 1 << 20;
const ZEROS = Buffer.alloc(BLOCK * 2);

/**
 * Headers and small file bodies are assembled in one batch buffer and written together; small files are read
 * synchronously (a page-cache read of <= 256 KiB blocks for microseconds). 170 MB Debian rootfs, 8,742 entries,
 * min of 7: async open/read/close per file 0.79 s to a file; this way 0.52 s to a file and 0.31 s to a discarding
 * sink (GNU `tar -c` to a file: 0.15-0.24 s). Compression of the output costs far more than either.
 */
export class TarWriter {
  #buf = Buffer.allocUnsafe(BATCH);
  #len = 0;
  constructor(private readonly out: NodeJS.WritableStream) {}

  /** Append one entry; for a 'File' with size > 0, `source` is read for exactly `size` bytes. */
  async add(e: TarEntry, source?: string): Promise<void> {
    const size = e.type === 'File' ? e.size ?? 0 : 0;
    const data = {
      path: e.path, type: e.type, mode: e.mode, uid: e.uid, gid: e.gid, size,
      mtime: new Date(e.mtime * 1000), linkpath: e.linkpath ?? '', uname: '', gname: '',
      devmaj: e.devmaj ?? 0, devmin: e.devmin ?? 0,
    };
    const block = Buffer.alloc(BLOCK);
    const needPax = new Header(data).encode(block, 0);
    if (needPax || (e.xattrs !== undefined && e.xattrs.size > 0)) await this.#append(paxHeader(data, needPax, e.xattrs));
    await this.#append(block);
    if (size === 0) return;
    if (source === undefined) throw new Error(`tar entry ${e.path}: no source for file body`);
    const padded = size + ((BLOCK - (size % BLOCK)) % BLOCK);
    if (padded <= BATCH) {
      if (this.#len + padded > BATCH) await this.#flush();
      readInto({ source, size, name: e.path, buf: this.#buf, off: this.#len });
      this.#buf.fill(0, this.#len + size, this.#len + padded);
      this.#len += padded;
    } else {
      await this.#flush();
      await this.#streamBody(source, size, e.path);
      await this.#append(ZEROS.subarray(0, padded - size));
    }
  }

  /** The end-of-archive marker (two zero blocks); flushes everything. Does not end `out`. */
  async finish(): Promise<void> {
    await this.#append(ZEROS);
    await this.#flush();
  }

  async #append(b: Buffer): Promise<void> {
    if (this.#len + b.length > BATCH) await this.#flush();
    if (b.length > BATCH) return this.#write(b);
    b.copy(this.#buf, this.#len);
    this.#len += b.length;
  }

  async #streamBody(source: string, size: number, name: string): Promise<void> {
    const fh = await open(source, 'r');
    try {
      let done = 0;
      while (done < size) {
        const buf = Buffer.allocUnsafe(Math.min(size - done, READ_CHUNK));
        const { bytesRead } = await fh.read(buf, 0, buf.length, done);
        if (bytesRead === 0) throw shrank(name, done, size);
        done += bytesRead;
        await this.#write(bytesRead === buf.length ? buf : buf.subarray(0, bytesRead));
      }
    } finally {
      await fh.close();
    }
  }

  async #flush(): Promise<void> {
    if (this.#len === 0) return;
    const chunk = this.#buf.subarray(0, this.#len);
    // `out` may hold on to the chunk until it is written: start a new buffer instead of reusing this one.
    this.#buf = Buffer.allocUnsafe(BATCH);
    this.#len = 0;
    await this.#write(chunk);
  }

  async #write(chunk: Buffer): Promise<void> {
    if (!this.out.write(chunk)) await once(this.out as unknown as NodeJS.EventEmitter, 'drain');
  }
}

function readInto(o: { source: string; size: number; name: string; buf: Buffer; off: number }): void {
  const fd = openSync(o.source, 'r');
  try {
    let got = 0;
    while (got < o.size) {
      const n = readSync(fd, o.buf, o.off + got, o.size - got, got);
      if (n === 0) throw shrank(o.name, got, o.size);
      got += n;
    }
  } finally {
    closeSync(fd);
  }
}

function shrank(name: string, got: number, size: number): Error {
  return new Error(`${name} shrank while being archived (${got} of ${size} bytes)`);
}

type HeaderFields = ConstructorParameters<typeof Pax>[0] & { path: string; mtime: Date };

/** The 'x' header block(s) for an entry: standard fields via Pax when ustar could not hold them, then xattrs. */
function paxHeader(data: HeaderFields, needPax: boolean, xattrs: XattrSet | undefined): Buffer {
  const std = needPax
    ? new Pax({
      path: data.path,
      linkpath: data.linkpath === '' ? undefined : data.linkpath,
      uid: data.uid! > 0o7777777 ? data.uid : undefined,
      gid: data.gid! > 0o7777777 ? data.gid : undefined,
      size: data.size! > 0o77777777777 ? data.size : undefined,
    }).encodeBody()
    : '';
  const records: Buffer[] = [Buffer.from(std, 'utf8')];
  for (const [k, v] of xattrs ?? []) records.push(paxRecord(`SCHILY.xattr.${k}`, v));
  const body = Buffer.concat(records);
  const header = Buffer.alloc(BLOCK);
  new Header({
    path: `PaxHeaders/${data.path.replace(/\/$/, '').split('/').pop()!}`.slice(0, 99),
    type: 'ExtendedHeader', mode: 0o644, uid: 0, gid: 0, size: body.length, mtime: data.mtime,
    linkpath: '', uname: '', gname: '', devmaj: 0, devmin: 0,
  }).encode(header, 0);
  const pad = (BLOCK - (body.length % BLOCK)) % BLOCK;
  return Buffer.concat([header, body, ZEROS.subarray(0, pad)]);
}

/** One PAX record "LEN KEY=VALUE\n", LEN counting its own digits; VALUE is raw bytes. */
export function paxRecord(key: string, value: Buffer): Buffer {
  const rest = Buffer.byteLength(` ${key}=`) + value.length + 1;
  let len = rest + String(rest).length;
  if (String(len).length !== String(rest).length) len = rest + String(len).length;
  return Buffer.concat([Buffer.from(`${len} ${key}=`, 'utf8'), value, Buffer.from('\n')]);
}
