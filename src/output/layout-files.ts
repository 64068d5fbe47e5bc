/**
 * Writing into an OCI image layout directory that may already exist (type=oci,tar=false; a type=local cache):
 * every blob and every small file is published by rename from a temp name beside it, so a reader, or a crash,
 * never sees a partial file. Blobs are content-addressed: one already there with the right size is kept.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { copyFile, rename, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isErrno } from '../errors.js';
import { statIfExists } from '../util/fs.js';

function tmpName(p: string): string {
  return `${p}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
}

async function removeTemp(tmp: string): Promise<void> {
  await unlink(tmp).catch((e: unknown) => { if (!isErrno(e, 'ENOENT')) throw e; });
}

/** Replace `p` with `data` in one rename. */
export async function writeLayoutFile(p: string, data: Buffer): Promise<void> {
  const tmp = tmpName(p);
  try {
    await writeFile(tmp, data, { flag: 'wx' });
    await rename(tmp, p);
  } finally {
    await removeTemp(tmp);
  }
}

function blobFile(blobDir: string, digest: string): string {
  return path.join(blobDir, digest.slice('sha256:'.length));
}

async function present(file: string, size: number): Promise<boolean> {
  return (await statIfExists(file))?.size === size;
}

/** Copy the blob at `from` (reflink where the filesystem can) into `blobDir` unless it is there. */
export async function copyLayoutBlob(from: string, blobDir: string, d: { readonly digest: string; readonly size: number }): Promise<void> {
  const to = blobFile(blobDir, d.digest);
  if (await present(to, d.size)) return;
  const tmp = tmpName(to);
  try {
    await copyFile(from, tmp, constants.COPYFILE_FICLONE | constants.COPYFILE_EXCL);
    await rename(tmp, to);
  } finally {
    await removeTemp(tmp);
  }
}

/** Write a blob held in memory into `blobDir` unless it is there. */
export async function writeLayoutBlob(blobDir: string, d: { readonly digest: string; readonly size: number }, bytes: Buffer): Promise<void> {
  const to = blobFile(blobDir, d.digest);
  if (await present(to, d.size)) return;
  await writeLayoutFile(to, bytes);
}
