/**
 * Write tar entries to a stream: ustar headers from npm tar's `Header`, a PAX extended header (npm tar's `Pax`
 * for the standard fields, plus `SCHILY.xattr.*` records, whose values are raw bytes Pax cannot carry) when a
 * field does not fit ustar or the entry has xattrs. File bodies are streamed from disk with backpressure; small
 * entries are batched into one write.
 */
import { once } from 'node:events';
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
const BATCH = 256 * 1024;
const READ_CHUNK = 1 << 20;
const ZEROS = Buffer.alloc(BLOCK * 2);

export class TarWriter {
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  constructor(private readonly out: NodeJS.WritableStream) {}

  /** Append one entry; for a 'File' with size > 0, `source` is read for exactly `size` bytes. */
  async add(e: TarEntry, source?: string): Promise<void> {
    const size = e.type === 'File' ? e.size ?? 0 : 0;
    const data = {
      path: e.path, type: e.type, mode: e.mode, uid: e.uid, gid: e.gid, size,
      mtime: new Date(e.mtime * 1000), linkpath: e.linkpath ?? '', uname: '', gname: '',
      devmaj: e.devmaj ?? 0, devmin: e.devmin ?? 0,
    };
    const header = new Header(data);
    const block = Buffer.alloc(BLOCK);
    const needPax = header.encode(block, 0);
    if (needPax || (e.xattrs !== undefined && e.xattrs.size > 0)) this.#push(paxHeader(data, needPax, e.xattrs));
    this.#push(block);
    if (size > 0) {
      if (source === undefined) throw new Error(`tar entry ${e.path}: no source for file body`);
      await this.#body(source, size, e.path);
    }
    if (this.#pendingBytes >= BATCH) await this.#flush();
  }

  /** The end-of-archive marker (two zero blocks); flushes everything. Does not end `out`. */
  async finish(): Promise<void> {
    this.#push(ZEROS);
    await this.#flush();
  }

  async #body(source: string, size: number, name: string): Promise<void> {
    const fh = await open(source, 'r');
    try {
      let left = size;
      while (left > 0) {
        const buf = Buffer.allocUnsafe(Math.min(left, READ_CHUNK));
        const { bytesRead } = await fh.read(buf, 0, buf.length, size - left);
        if (bytesRead === 0) throw new Error(`${name} shrank while being archived (${size - left} of ${size} bytes)`);
        this.#push(bytesRead === buf.length ? buf : buf.subarray(0, bytesRead));
        left -= bytesRead;
        if (this.#pendingBytes >= BATCH) await this.#flush();
      }
    } finally {
      await fh.close();
    }
    const pad = (BLOCK - (size % BLOCK)) % BLOCK;
    if (pad > 0) this.#push(ZEROS.subarray(0, pad));
  }

  #push(b: Buffer): void {
    this.#pending.push(b);
    this.#pendingBytes += b.length;
  }

  async #flush(): Promise<void> {
    if (this.#pendingBytes === 0) return;
    const chunk = this.#pending.length === 1 ? this.#pending[0]! : Buffer.concat(this.#pending, this.#pendingBytes);
    this.#pending = [];
    this.#pendingBytes = 0;
    if (!this.out.write(chunk)) await once(this.out as unknown as NodeJS.EventEmitter, 'drain');
  }
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
