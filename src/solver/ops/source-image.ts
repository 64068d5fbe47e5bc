/**
 * `docker-image://REF@DIGEST`: pull (only what is missing) and unpack each layer once into the layer store.
 * A layer's id is its chain id (containerd's identity of a layer stack), so another tag or image sharing the
 * same bottom layers reuses them.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { LayerError } from '../../errors.js';
import { digestHex } from '../../oci/digest.js';
import type { Layer } from '../../cache/layer-store.js';
import type { Descriptor } from '../../oci/schemas.js';
import { parseReference, type ImageReference, type ResolvedImage } from '../../registry/index.js';
import { layerFormatOf, unpackLayer } from '../../snapshot/index.js';
import type { OpContext, OpImpl } from '../op-impl.js';
import type { Result } from '../result.js';
import type { Worker } from '../worker.js';

export const LINUX_AMD64 = { os: 'linux', architecture: 'amd64' } as const;

/** Resolve a reference once per process (the frontend's metadata load and the pull share it). */
export function resolveImage(worker: Worker, ref: string): Promise<ResolvedImage> {
  const known = worker.images.get(ref);
  if (known) return known;
  const p = worker.registry.resolve(parseReference(ref), LINUX_AMD64);
  worker.images.set(ref, p);
  p.catch(() => worker.images.delete(ref));
  return p;
}

/** containerd's chain id: chain(0) = diffId(0); chain(n) = sha256(chain(n-1) + " " + diffId(n)). */
export function chainIds(diffIds: readonly string[]): string[] {
  const out: string[] = [];
  for (const d of diffIds) {
    const prev = out[out.length - 1];
    out.push(prev === undefined ? d : 'sha256:' + createHash('sha256').update(`${prev} ${d}`).digest('hex'));
  }
  return out;
}

export const imageSourceImpl: OpImpl = {
  cacheable: true,
  async exec(ctx: OpContext): Promise<Result[]> {
    const op = ctx.op.op;
    if (op.kind !== 'source') throw new Error('imageSourceImpl on a non-source op');
    const refStr = op.identifier.slice('docker-image://'.length);
    ctx.progress.status(`resolve ${refStr}`);
    const image = await resolveImage(ctx.worker, refStr);
    const diffIds = image.config.rootfs.diff_ids;
    if (diffIds.length !== image.manifest.layers.length) {
      throw new LayerError(`image ${refStr}: config has ${diffIds.length} diff_ids but the manifest has ${image.manifest.layers.length} layers`);
    }
    const chains = chainIds(diffIds);
    const layers = await Promise.all(image.manifest.layers.map((desc, i) =>
      ensureLayer(ctx, { ref: image.ref, desc, diffId: diffIds[i]!, chainId: chains[i]! })));
    return [{ kind: 'snapshot', layers }];
  },
};

/** Pull (when the blob is missing) and unpack one layer, once across concurrent builds (LayerStore.ensure's lock). */
async function ensureLayer(ctx: OpContext, l: { ref: ImageReference; desc: Descriptor; diffId: string; chainId: string }): Promise<Layer> {
  const { worker } = ctx;
  const id = digestHex(l.chainId);
  const short = l.desc.digest.slice(0, 19);
  return worker.layers.ensure(id, async (pending) => {
    if (!(await worker.content.has(l.desc.digest))) {
      const file = worker.content.path(l.desc.digest);
      await mkdir(path.dirname(file), { recursive: true });
      const started = Date.now();
      await worker.registry.fetchBlob(l.ref, l.desc, file, { signal: ctx.signal });
      ctx.progress.status(`${short} ${formatBytes(l.desc.size)} ${((Date.now() - started) / 1000).toFixed(1)}s done`);
    }
    // Each layer unpacks into its own dir: either layer format keeps the layers independent, so they unpack in
    // parallel. The native snapshotter's state dir may be on overlayfs: whiteout devices cannot be made there.
    const started = Date.now();
    const { diffId } = await unpackLayer({
      blobPath: worker.content.path(l.desc.digest), mediaType: l.desc.mediaType, dest: pending.diff,
      rootless: worker.rootless, format: layerFormatOf(worker.snapshotter), signal: ctx.signal,
    });
    if (diffId !== l.diffId) throw new LayerError(`layer ${l.desc.digest}: uncompressed digest ${diffId} does not match the image config's diff_id ${l.diffId}`);
    ctx.progress.status(`extracting ${short} ${((Date.now() - started) / 1000).toFixed(1)}s done`);
    return { diffId, blob: { digest: l.desc.digest, size: l.desc.size, mediaType: l.desc.mediaType } };
  }, { signal: ctx.signal, onWait: () => ctx.progress.status(`${short} waiting for another build`) });
}

export function formatBytes(n: number): string {
  if (n < 1000) return `${n}B`;
  if (n < 1e6) return `${(n / 1e3).toFixed(2)}kB`;
  if (n < 1e9) return `${(n / 1e6).toFixed(2)}MB`;
  return `${(n / 1e9).toFixed(2)}GB`;
}
