/**
 * Small OCI image layouts built in the test itself: a few tar layers (ustar, written by hand) in each
 * compression, an image config with the right diff_ids, a manifest, optionally an index over several images.
 * Push them with pushLayout() from test/helpers/registry.ts.
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { compress as zstdCompress } from 'zstd-napi';
import { MediaType, layerMediaType, type Compression } from '../../src/oci/media-types.js';
import type { Descriptor } from '../../src/oci/schemas.js';

export interface LayerSpec {
  files: Record<string, string>;
  compression: Compression;
}

export interface ImageSpec {
  layers: LayerSpec[];
  os?: string;
  architecture?: string;
  variant?: string;
}

const sha256 = (b: Uint8Array): string => 'sha256:' + createHash('sha256').update(b).digest('hex');

/** A ustar archive of regular files (mode 0644, uid/gid 0, mtime 0). */
export function tarOf(files: Record<string, string>): Buffer {
  const parts: Buffer[] = [];
  for (const [name, content] of Object.entries(files)) {
    const data = Buffer.from(content);
    const h = Buffer.alloc(512);
    h.write(name, 0, 100, 'utf8');
    h.write('0000644\0', 100);
    h.write('0000000\0', 108);
    h.write('0000000\0', 116);
    h.write(data.length.toString(8).padStart(11, '0') + '\0', 124);
    h.write('00000000000\0', 136);
    h.write('        ', 148);
    h.write('0', 156);
    h.write('ustar\0' + '00', 257, 'binary');
    let sum = 0;
    for (const b of h) sum += b;
    h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
    parts.push(h, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

function compress(tar: Buffer, c: Compression): Buffer {
  if (c === 'gzip') return gzipSync(tar);
  if (c === 'zstd') return zstdCompress(tar);
  return tar;
}

async function putBlob(dir: string, mediaType: string, bytes: Buffer, extra: Partial<Descriptor> = {}): Promise<Descriptor> {
  const digest = sha256(bytes);
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  await writeFile(join(dir, 'blobs', 'sha256', digest.slice(7)), bytes);
  return { mediaType, digest, size: bytes.length, ...extra };
}

export interface BuiltImage {
  manifest: Descriptor;
  config: Descriptor;
  layers: Descriptor[];
  diffIds: string[];
}

/** Writes one image's blobs (OCI media types) into layout `dir`; does not touch index.json. */
export async function addImage(dir: string, spec: ImageSpec): Promise<BuiltImage> {
  const layers: Descriptor[] = [];
  const diffIds: string[] = [];
  for (const l of spec.layers) {
    const tar = tarOf(l.files);
    diffIds.push(sha256(tar));
    layers.push(await putBlob(dir, layerMediaType(l.compression, true), compress(tar, l.compression)));
  }
  const platform = { os: spec.os ?? 'linux', architecture: spec.architecture ?? 'amd64', ...(spec.variant ? { variant: spec.variant } : {}) };
  const configJson = { ...platform, config: { Cmd: ['sh'] }, rootfs: { type: 'layers', diff_ids: diffIds }, history: [] };
  const config = await putBlob(dir, MediaType.ociConfig, Buffer.from(JSON.stringify(configJson)));
  const manifestJson = { schemaVersion: 2, mediaType: MediaType.ociManifest, config, layers };
  const manifest = await putBlob(dir, MediaType.ociManifest, Buffer.from(JSON.stringify(manifestJson)), { platform });
  return { manifest, config, layers, diffIds };
}

/** A layout holding one image; index.json points at its manifest. */
export async function writeImageLayout(dir: string, spec: ImageSpec): Promise<BuiltImage> {
  const img = await addImage(dir, spec);
  const { platform: _omit, ...top } = img.manifest;
  await writeTop(dir, top);
  return img;
}

/** A layout holding an image index over `specs`; index.json points at the index. */
export async function writeIndexLayout(dir: string, specs: ImageSpec[]): Promise<{ index: Descriptor; images: BuiltImage[] }> {
  const images: BuiltImage[] = [];
  for (const s of specs) images.push(await addImage(dir, s));
  const indexJson = { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: images.map((i) => i.manifest) };
  const index = await putBlob(dir, MediaType.ociIndex, Buffer.from(JSON.stringify(indexJson)));
  await writeTop(dir, index);
  return { index, images };
}

async function writeTop(dir: string, desc: Descriptor): Promise<void> {
  await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const entry = { ...desc, annotations: { 'org.opencontainers.image.ref.name': 'latest' } };
  await writeFile(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [entry] }));
}
