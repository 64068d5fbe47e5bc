/**
 * `oci-layout://STORE@sha256:MANIFEST`: an image from an OCI image layout directory given with
 * `--oci-layout STORE=DIR` (BuildKit's session-attached OCI stores). Blobs are read from DIR/blobs/sha256,
 * verified against their digests as they are copied into the content store, and unpacked once into the layer
 * store by chain id, like a pulled image. The directory is not part of the cache key: the manifest digest is.
 */
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { BuildError, isErrno, LayerError } from '../../errors.js';
import { digestHex, sha256Digest } from '../../oci/digest.js';
import { ImageConfigCheck, IndexCheck, ManifestCheck, type Descriptor, type ImageConfig, type Manifest } from '../../oci/schemas.js';
import { layerFormatOf, unpackLayer } from '../../snapshot/index.js';
import type { OpContext, OpImpl } from '../op-impl.js';
import type { Result } from '../result.js';
import type { Worker } from '../worker.js';
import { chainIds } from './source-image.js';

const stores = new WeakMap<Worker, ReadonlyMap<string, string>>();

/** The --oci-layout stores of this build (NAME -> absolute DIR), as the session gives them to the worker. */
export function attachOciLayouts(worker: Worker, layouts: ReadonlyMap<string, string>): void {
  stores.set(worker, layouts);
}

export function ociLayoutDir(worker: Worker, store: string): string {
  const dir = stores.get(worker)?.get(store);
  if (dir === undefined) throw new BuildError('BK0010', `no OCI layout store named "${store}"; pass --oci-layout ${store}=DIR`);
  return dir;
}

const MAX_JSON = 4 * 1024 * 1024;

async function readJson(dir: string, digest: string, what: string): Promise<unknown> {
  const m = /^sha256:([a-f0-9]{64})$/.exec(digest);
  if (!m) throw new LayerError(`OCI layout ${dir}: invalid digest ${digest}`);
  let data: Buffer;
  try {
    data = await readFile(path.join(dir, 'blobs', 'sha256', m[1]!));
  } catch (e) {
    if (isErrno(e, 'ENOENT')) throw new LayerError(`OCI layout ${dir}: ${what} ${digest} is missing from blobs/sha256`);
    throw e;
  }
  if (data.length > MAX_JSON) throw new LayerError(`OCI layout ${dir}: ${what} ${digest} is larger than ${MAX_JSON} bytes`);
  if (sha256Digest(data) !== digest) throw new LayerError(`OCI layout ${dir}: ${what} ${digest} does not match its digest`);
  return JSON.parse(data.toString('utf8')) as unknown;
}

const isIndex = (mt: string | undefined): boolean => mt === 'application/vnd.oci.image.index.v1+json' || mt === 'application/vnd.docker.distribution.manifest.list.v2+json';

/** linux/amd64 from an index's manifests (a single manifest without a platform counts too). */
function pickPlatform(manifests: readonly Descriptor[], dir: string): Descriptor {
  const amd64 = manifests.find((d) => d.platform?.os === 'linux' && d.platform.architecture === 'amd64');
  if (amd64) return amd64;
  if (manifests.length === 1 && manifests[0]!.platform === undefined) return manifests[0]!;
  throw new LayerError(`OCI layout ${dir}: no linux/amd64 image in the index`);
}

/** Resolve `[:TAG][@DIGEST]` in a layout: the image manifest digest, the manifest and the config. */
export async function resolveOciLayoutImage(dir: string, ref: string): Promise<{ digest: string; manifest: Manifest; config: ImageConfig }> {
  const at = ref.indexOf('@');
  const digest = at >= 0 ? ref.slice(at + 1) : undefined;
  const tag = (at >= 0 ? ref.slice(0, at) : ref).replace(/^:/, '') || undefined;
  let desc: Descriptor;
  if (digest !== undefined) {
    desc = { mediaType: '', digest, size: 0 };
  } else {
    let raw: unknown;
    try {
      raw = JSON.parse(await readFile(path.join(dir, 'index.json'), 'utf8')) as unknown;
    } catch (e) {
      if (isErrno(e, 'ENOENT')) throw new LayerError(`${dir} is not an OCI layout: index.json is missing`);
      throw e;
    }
    if (!IndexCheck.Check(raw)) throw new LayerError(`OCI layout ${dir}: index.json is not an OCI index`);
    const want = tag ?? 'latest';
    const tagged = raw.manifests.filter((d) => d.annotations?.['org.opencontainers.image.ref.name'] === want);
    const candidates = tagged.length > 0 ? tagged : tag === undefined && raw.manifests.length === 1 ? raw.manifests : [];
    if (candidates.length === 0) throw new LayerError(`OCI layout ${dir}: no image tagged "${want}" in index.json`);
    desc = candidates.length === 1 ? candidates[0]! : pickPlatform(candidates, dir);
  }
  let doc = await readJson(dir, desc.digest, 'manifest');
  let manifestDigest = desc.digest;
  const mediaType = (doc as { mediaType?: string }).mediaType;
  if (isIndex(mediaType) || (IndexCheck.Check(doc) && !('layers' in (doc as object)))) {
    if (!IndexCheck.Check(doc)) throw new LayerError(`OCI layout ${dir}: ${desc.digest} is not a valid index`);
    manifestDigest = pickPlatform(doc.manifests, dir).digest;
    doc = await readJson(dir, manifestDigest, 'manifest');
  }
  if (!ManifestCheck.Check(doc)) throw new LayerError(`OCI layout ${dir}: ${manifestDigest} is not an image manifest`);
  const config = await readJson(dir, doc.config.digest, 'config');
  if (!ImageConfigCheck.Check(config)) throw new LayerError(`OCI layout ${dir}: config ${doc.config.digest} is not an image config`);
  return { digest: manifestDigest, manifest: doc, config };
}

export const ociLayoutSourceImpl: OpImpl = {
  cacheable: true,
  async exec(ctx: OpContext): Promise<Result[]> {
    const op = ctx.op.op;
    if (op.kind !== 'source') throw new Error('ociLayoutSourceImpl on a non-source op');
    const m = /^oci-layout:\/\/([^@]+)@(sha256:[a-f0-9]{64})$/.exec(op.identifier);
    if (!m) throw new Error(`bad oci-layout identifier ${op.identifier}`);
    const dir = ociLayoutDir(ctx.worker, m[1]!);
    ctx.progress.status(`resolve ${op.identifier}`);
    const { manifest, config } = await resolveOciLayoutImage(dir, `@${m[2]!}`);
    const diffIds = config.rootfs.diff_ids;
    if (diffIds.length !== manifest.layers.length) {
      throw new LayerError(`${op.identifier}: config has ${diffIds.length} diff_ids but the manifest has ${manifest.layers.length} layers`);
    }
    const chains = chainIds(diffIds);
    const layers = await Promise.all(manifest.layers.map((desc, i) => ensureLayer(ctx, { dir, desc, diffId: diffIds[i]!, chainId: chains[i]! })));
    return [{ kind: 'snapshot', layers }];
  },
};

async function ensureLayer(ctx: OpContext, l: { dir: string; desc: Descriptor; diffId: string; chainId: string }) {
  const { worker } = ctx;
  const id = digestHex(l.chainId);
  const existing = await worker.layers.get(id);
  if (existing) return existing;
  if (!(await worker.content.has(l.desc.digest))) {
    const file = path.join(l.dir, 'blobs', 'sha256', digestHex(l.desc.digest));
    await worker.content.writeStream(createReadStream(file), l.desc.digest);
  }
  const pending = await worker.layers.create();
  try {
    const { diffId } = await unpackLayer({
      blobPath: worker.content.path(l.desc.digest), mediaType: l.desc.mediaType, dest: pending.diff,
      rootless: worker.rootless, format: layerFormatOf(worker.snapshotter), signal: ctx.signal,
    });
    if (diffId !== l.diffId) throw new LayerError(`layer ${l.desc.digest}: uncompressed digest ${diffId} does not match the image config's diff_id ${l.diffId}`);
    ctx.progress.status(`extracting ${l.desc.digest.slice(0, 19)} done`);
    return await worker.layers.commit(pending, id, { diffId, blob: { digest: l.desc.digest, size: l.desc.size, mediaType: l.desc.mediaType } });
  } catch (e) {
    await worker.layers.discard(pending);
    throw e;
  }
}
