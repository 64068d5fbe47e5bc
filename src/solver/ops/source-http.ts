/**
 * `https://...` / `http://...` sources (BuildKit's source/http): one file in a one-layer snapshot, named by
 * http.filename (else Content-Disposition, else the URL), mode http.perm (default 0600), owner http.uid/gid,
 * mtime from Last-Modified (else the epoch). Never extracted.
 *
 * The cache key is BuildKit's: without http.checksum the file is downloaded while the key is computed (or
 * revalidated with If-None-Match against the ETag this state dir remembers) and keyed by its digest and
 * Last-Modified; with http.checksum the key needs no network and the download, made only when the vertex runs,
 * must match it.
 */
import { chmod, chown, utimes } from 'node:fs/promises';
import path from 'node:path';
import type { Layer } from '../../cache/layer-store.js';
import { DigestMismatchError, FileOpError, withLocation } from '../../errors.js';
import { canonicalDigest, type Canonical } from '../../llb/canonical.js';
import type { SourceOp } from '../../llb/ops.js';
import { digestHex, isSha256Digest } from '../../oci/digest.js';
import { readHttpRecord, writeHttpRecord, type HttpIdentity } from '../../remote/http-cache.js';
import { httpGet, printableUrl, responseHeader, saveBody, type HttpResponse } from '../../remote/http-fetch.js';
import { fileNameFor, mtimeOf } from '../../remote/http-filename.js';
import type { OpContext, OpImpl } from '../op-impl.js';
import type { Result } from '../result.js';
import type { Worker } from '../worker.js';

export interface HttpSource extends HttpIdentity {
  readonly checksum?: string;
  /** The http.filename attr as given ("" when absent). */
  readonly manualName: string;
}

function intAttr(op: SourceOp, key: string, dflt: number): number {
  const v = op.attrs[key];
  if (v === undefined) return dflt;
  const n = /^0[0-7]+$/.test(v) ? parseInt(v, 8) : Number(v);
  if (!Number.isInteger(n) || n < 0) throw new FileOpError(`invalid ${key} ${JSON.stringify(v)} for ${printableUrl(op.identifier)}`);
  return n;
}

export function parseHttpSource(op: SourceOp): HttpSource {
  const checksum = op.attrs['http.checksum'];
  if (checksum !== undefined && !isSha256Digest(checksum)) {
    throw new FileOpError(`invalid checksum ${JSON.stringify(checksum)} for ${printableUrl(op.identifier)}: expected sha256:<64 hex digits>`);
  }
  const manualName = op.attrs['http.filename'] ?? '';
  return {
    url: op.identifier, manualName, filename: fileNameFor({ url: op.identifier, manual: manualName }),
    perm: intAttr(op, 'http.perm', 0o600), uid: intAttr(op, 'http.uid', 0), gid: intAttr(op, 'http.gid', 0),
    ...(checksum !== undefined ? { checksum } : {}),
  };
}

/** A downloaded (or revalidated) file: its layer and what the cache key is made of. */
interface Fetched { readonly layer: Layer; readonly digest: string; readonly filename: string; readonly lastModified?: string }

/** Resolutions made while computing cache keys, per worker and op digest, for exec to reuse. */
const resolved = new WeakMap<Worker, Map<string, Promise<Fetched>>>();

function memo(worker: Worker, key: string, make: () => Promise<Fetched>): Promise<Fetched> {
  let m = resolved.get(worker);
  if (!m) resolved.set(worker, (m = new Map()));
  let p = m.get(key);
  if (!p) {
    p = make();
    m.set(key, p);
    p.catch(() => m.delete(key));
  }
  return p;
}

/** Write the response into a new layer holding just the file, published under an id derived from what it holds. */
async function saveLayer(worker: Worker, src: HttpSource, res: HttpResponse): Promise<Fetched> {
  const filename = fileNameFor({ url: src.url, manual: src.manualName, contentDisposition: responseHeader(res, 'content-disposition') });
  const lastModified = responseHeader(res, 'last-modified');
  const pending = await worker.layers.create();
  try {
    const file = path.join(pending.diff, filename);
    const { digest } = await saveBody(res, file, src.perm);
    checkDigest(src, digest);
    await chmod(file, src.perm); // the create mode went through the umask
    if (src.uid !== 0 || src.gid !== 0) await chown(file, src.uid, src.gid);
    const mtime = mtimeOf(lastModified);
    await utimes(file, mtime, mtime);
    const id = digestHex(canonicalDigest({
      v: 'http-layer/1', filename, perm: src.perm, uid: src.uid, gid: src.gid, digest, lastModified: lastModified ?? null,
    }));
    const layer = await worker.layers.commit(pending, id, { empty: false });
    return { layer, digest, filename, ...(lastModified !== undefined ? { lastModified } : {}) };
  } catch (e) {
    await worker.layers.discard(pending);
    throw e;
  }
}

/** Download, or reuse the layer of a previous download when the server says the ETag still matches. */
async function fetchRevalidated(worker: Worker, src: HttpSource, signal: AbortSignal): Promise<Fetched> {
  const rec = await readHttpRecord(worker.state.root, src);
  const known = rec ? await worker.layers.get(rec.layerId) : undefined;
  const res = await httpGet(src.url, { signal, ...(rec && known ? { headers: { 'if-none-match': rec.etag } } : {}) });
  if (res.status === 304) {
    await res.body.dump().catch(() => undefined);
    await res.close();
    if (!rec || !known) throw new FileOpError(`failed to fetch ${printableUrl(src.url)}: not modified, but nothing was asked to match`);
    return { layer: known, digest: rec.digest, filename: rec.filename, ...(rec.lastModified !== undefined ? { lastModified: rec.lastModified } : {}) };
  }
  const got = await saveLayer(worker, src, res);
  const etag = responseHeader(res, 'etag')?.replace(/^W\//, '');
  if (etag !== undefined && etag !== '') {
    await writeHttpRecord(worker.state.root, src, {
      etag, digest: got.digest, filename: got.filename, layerId: got.layer.id, ...(got.lastModified !== undefined ? { lastModified: got.lastModified } : {}),
    });
  }
  return got;
}

function checkDigest(src: HttpSource, got: string): void {
  if (src.checksum !== undefined && got !== src.checksum) {
    throw new DigestMismatchError(`checksum mismatch for ${printableUrl(src.url)}: expected ${src.checksum}, got ${got}`);
  }
}

export const httpSourceImpl: OpImpl = {
  cacheable: true,

  async contentKey(ctx): Promise<Canonical> {
    const op = ctx.op.op;
    if (op.kind !== 'source') throw new Error('httpSourceImpl on a non-source op');
    const src = parseHttpSource(op);
    const base = { filename: src.filename, perm: src.perm, uid: src.uid, gid: src.gid };
    if (src.checksum !== undefined) return { ...base, checksum: src.checksum };
    // The download happens here, before any vertex runs: the error names the ADD line itself.
    const got = await memo(ctx.worker, ctx.digest, () => fetchRevalidated(ctx.worker, src, ctx.signal))
      .catch((e: unknown) => { throw withLocation(e, ctx.meta.location); });
    return { ...base, filename: got.filename, checksum: got.digest, lastModified: got.lastModified ?? null };
  },

  async exec(ctx: OpContext): Promise<Result[]> {
    const op = ctx.op.op;
    if (op.kind !== 'source') throw new Error('httpSourceImpl on a non-source op');
    const src = parseHttpSource(op);
    ctx.progress.status(`fetch ${printableUrl(src.url)}`);
    const got = src.checksum === undefined
      ? await memo(ctx.worker, ctx.digest, () => fetchRevalidated(ctx.worker, src, ctx.signal))
      : await saveLayer(ctx.worker, src, await httpGet(src.url, { signal: ctx.signal }));
    return [{ kind: 'snapshot', layers: [got.layer] }];
  },
};
