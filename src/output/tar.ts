/**
 * Single-file outputs (type=tar, and the tarballs of type=oci/docker). A file destination is written to a
 * temp file beside it, flushed, then renamed over it: a failed export leaves no partial file at `dest`
 * (and an older file there stays intact). '-' streams to stdout with backpressure and leaves stdout open.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { isErrno, OutputError } from '../errors.js';
import { pump } from './stream-util.js';

export interface ExportTarFileOptions {
  /** Writes the file's bytes to `out`; ending `out` is optional. */
  produce: (out: NodeJS.WritableStream) => Promise<void>;
  dest: string | '-';
}

/** A temp path in the same directory as `dest` (so rename is atomic), hidden from plain `ls`. */
export function tempSibling(dest: string): string {
  const abs = resolve(dest);
  return join(dirname(abs), `.${basename(abs)}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
}

export async function exportTarFile(opts: ExportTarFileOptions): Promise<void> {
  if (opts.dest === '-') {
    await pump(opts.produce, process.stdout, { end: false });
    return;
  }
  const dest = resolve(opts.dest);
  await mkdir(dirname(dest), { recursive: true });
  const tmp = tempSibling(dest);
  try {
    await pump(opts.produce, createWriteStream(tmp, { flags: 'wx', mode: 0o644 }), { end: true });
    const fh = await open(tmp, 'r');
    try {
      await fh.sync(); // the rename must not publish a file whose data is not on disk yet
    } finally {
      await fh.close();
    }
    await rename(tmp, dest).catch((e: unknown) => {
      if (isErrno(e, 'EISDIR')) throw new OutputError(`cannot write ${dest}: it is a directory`, { cause: e });
      throw e;
    });
  } finally {
    await unlink(tmp).catch((e: unknown) => { if (!isErrno(e, 'ENOENT')) throw e; });
  }
}
