/**
 * Tell the image exporters that an imported layer already has a compressed blob, so an output of this build
 * reuses the cache's blob instead of re-tarring and recompressing the unpacked layer (which could also give
 * other bytes). It writes the record output/layer-blobs.ts reads for (layer key, compression) in its documented
 * format: `<content>/layer-records/<sha256(key)>.<compression>.json` = {key, compression, digest, size, diffId},
 * published by rename after the blob is in the store. getLayerBlob checks the blob's size before trusting it.
 * Only for layers that are not a base image's (those carry their blob in the layer meta already).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { layerCompression } from '../../oci/media-types.js';

export interface SeedOptions {
  readonly contentRoot: string;
  /** The layer store id: the key the image exporters use for a layer without timestamp rewriting. */
  readonly layerId: string;
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly diffId: string;
}

export async function seedBlobRecord(o: SeedOptions): Promise<void> {
  const compression = layerCompression(o.mediaType);
  const dir = path.join(o.contentRoot, 'layer-records');
  const file = path.join(dir, `${createHash('sha256').update(o.layerId).digest('hex')}.${compression}.json`);
  await mkdir(dir, { recursive: true });
  const tmp = `${file}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  await writeFile(tmp, JSON.stringify({ key: o.layerId, compression, digest: o.digest, size: o.size, diffId: o.diffId }));
  await rename(tmp, file);
}
