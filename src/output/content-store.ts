/**
 * A content-addressed blob store: `<root>/blobs/sha256/<hex>`, the same layout as an OCI image layout's blobs.
 * Publishing is atomic: content goes to a temp file in the blob's own directory, its digest is computed while
 * writing (and checked against the expected one where there is one), then it is hard-linked into place.
 * link(2) never replaces: EEXIST means another writer already published the same bytes, which is success.
 * Blobs are read-only (0444) and never modified once published.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { link, mkdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DigestMismatchError, isErrno } from '../errors.js';
import { digestHex } from '../oci/digest.js';
import { exists, statIfExists } from '../util/fs.js';

export interface BlobInfo { digest: string; size: number }

/** A transform that passes bytes through and counts and hashes them. */
export class HashingStream extends Transform {
  private readonly hash = createHash('sha256');
  size = 0;
  override _transform(data: Buffer | string, _enc: BufferEncoding, cb: (err?: Error | null, data?: Buffer) => void): void {
    const chunk = typeof data === 'string' ? Buffer.from(data) : data;
    this.hash.update(chunk);
    this.size += chunk.length;
    cb(null, chunk);
  }
  /** "sha256:<hex>"; call once, after the stream has finished. */
  digest(): string {
    return 'sha256:' + this.hash.digest('hex');
  }
}

export class ContentStore {
  readonly root: string;
  private readonly blobDir: string;
  private dirReady: Promise<unknown> | undefined;

  constructor(root: string) {
    this.root = root;
    this.blobDir = join(root, 'blobs', 'sha256');
  }

  /** Where a blob lives (whether or not it exists). Throws on anything but a sha256 digest. */
  path(digest: string): string {
    return join(this.blobDir, digestHex(digest));
  }

  async has(digest: string): Promise<boolean> {
    return exists(this.path(digest));
  }

  async readBytes(digest: string): Promise<Buffer> {
    return readFile(this.path(digest));
  }

  /** Write a stream; returns its digest and size. The stream is consumed to its end. */
  async writeStream(src: NodeJS.ReadableStream, expected?: string): Promise<BlobInfo> {
    const tmp = await this.tempPath();
    const hasher = new HashingStream();
    try {
      await pipeline(src, hasher, createWriteStream(tmp, { flags: 'wx', mode: 0o444 }));
      const digest = hasher.digest();
      if (expected !== undefined && digest !== expected) {
        throw new DigestMismatchError(`content store: expected ${expected}, got ${digest}`);
      }
      await this.publish(tmp, digest);
      return { digest, size: hasher.size };
    } finally {
      await unlink(tmp).catch((e: unknown) => { if (!isErrno(e, 'ENOENT')) throw e; });
    }
  }

  async writeBytes(data: Uint8Array): Promise<BlobInfo> {
    const digest = 'sha256:' + createHash('sha256').update(data).digest('hex');
    const info = { digest, size: data.byteLength };
    if (await this.has(digest)) return info;
    return this.writeStream(Readable.from([Buffer.from(data.buffer, data.byteOffset, data.byteLength)]), digest);
  }

  /**
   * Hard-link an existing file with a known digest into the store; across filesystems (EXDEV) or where
   * linking is refused (EPERM), copy it and verify the digest on the way.
   */
  async importFile(file: string, digest: string): Promise<void> {
    const dest = this.path(digest);
    if (await this.has(digest)) return;
    await this.ensureDir();
    try {
      await link(file, dest);
      return;
    } catch (e) {
      if (isErrno(e, 'EEXIST')) return;
      if (!isErrno(e, 'EXDEV') && !isErrno(e, 'EPERM')) throw e;
    }
    await this.writeStream(createReadStream(file), digest);
  }

  /** Size of a stored blob, or undefined when it is absent. */
  async size(digest: string): Promise<number | undefined> {
    return (await statIfExists(this.path(digest)))?.size;
  }

  private async publish(tmp: string, digest: string): Promise<void> {
    try {
      await link(tmp, this.path(digest));
    } catch (e) {
      if (!isErrno(e, 'EEXIST')) throw e; // someone else published the same content: fine
    }
  }

  private async tempPath(): Promise<string> {
    await this.ensureDir();
    return join(this.blobDir, `.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
  }

  private ensureDir(): Promise<unknown> {
    this.dirReady ??= mkdir(this.blobDir, { recursive: true });
    return this.dirReady;
  }
}
