#!/usr/bin/env node
// Writes OCI image layouts for the test images, using only node built-ins plus pigz/zstd.
//
//   node oci-layout.mjs image '<json ImageSpec>'   one image with one layer made from an uncompressed tar
//   node oci-layout.mjs index '<json IndexSpec>'   a multi-platform image from existing single-image layouts
//
// ImageSpec: { layer: "/abs/layer.tar", out: "/abs/layout", compression: "gzip"|"zstd"|"none",
//              mediaTypes: "oci"|"docker", platform: { os, architecture, variant? },
//              config: { Env?, Cmd?, ... }, createdBy: "text for history", tag?: "latest",
//              base?: "/abs/layout" }
//   With `base` (a single-image layout), the image is that image plus one layer: the base's layers, diff_ids and
//   history come first (its blobs are copied as they are, so both images share the base layer's digest), and
//   `config` is merged over the base's config.
// IndexSpec: { out: "/abs/layout", images: ["/abs/layoutA", ...], tag?: "latest" }
//
// Output is deterministic for identical inputs: timestamps come from SOURCE_DATE_EPOCH (default 1700000000),
// gzip is `pigz -n` (no name, no time), JSON is written with fixed key order. The layout's index.json has one
// entry tagged `tag` (org.opencontainers.image.ref.name), so `skopeo ... oci:DIR` and `oci:DIR:latest` both work.
import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, writeFile, copyFile, access, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';

const MT = {
  oci: {
    manifest: 'application/vnd.oci.image.manifest.v1+json',
    config: 'application/vnd.oci.image.config.v1+json',
    layer: { gzip: 'application/vnd.oci.image.layer.v1.tar+gzip', zstd: 'application/vnd.oci.image.layer.v1.tar+zstd', none: 'application/vnd.oci.image.layer.v1.tar' },
  },
  docker: {
    manifest: 'application/vnd.docker.distribution.manifest.v2+json',
    config: 'application/vnd.docker.container.image.v1+json',
    layer: { gzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip', none: 'application/vnd.docker.image.rootfs.diff.tar' },
  },
};
const INDEX_MT = 'application/vnd.oci.image.index.v1+json';
const COMPRESSORS = { gzip: ['pigz', ['-n', '-6', '-c']], zstd: ['zstd', ['-3', '-q', '-c', '--no-progress']] };

const epoch = Number(process.env.SOURCE_DATE_EPOCH ?? 1700000000);
const created = new Date(epoch * 1000).toISOString().replace('.000Z', 'Z');

const sha256 = (buf) => 'sha256:' + createHash('sha256').update(buf).digest('hex');

async function hashFile(path) {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk);
  return 'sha256:' + h.digest('hex');
}

/** Stores bytes as a blob of the layout and returns its descriptor. */
async function putBlob(layout, mediaType, bytes) {
  const digest = sha256(bytes);
  await writeFile(join(layout, 'blobs', 'sha256', digest.slice(7)), bytes);
  return { mediaType, digest, size: bytes.length };
}

/** Compresses `src` into the layout's blobs (streaming through the compressor) and returns the layer descriptor. */
async function putLayer(layout, src, compression, mediaType) {
  const tmp = join(layout, 'blobs', 'sha256', 'layer.tmp');
  if (compression === 'none') {
    await copyFile(src, tmp);
  } else {
    const [cmd, args] = COMPRESSORS[compression];
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'inherit'] });
    const exited = new Promise((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited with ${code}`))));
    });
    await Promise.all([
      pipeline(createReadStream(src), child.stdin),
      pipeline(child.stdout, createWriteStream(tmp)),
      exited,
    ]);
  }
  const digest = await hashFile(tmp);
  const { size } = await stat(tmp);
  await rename(tmp, join(layout, 'blobs', 'sha256', digest.slice(7)));
  return { mediaType, digest, size };
}

async function initLayout(out) {
  await mkdir(join(out, 'blobs', 'sha256'), { recursive: true });
  await writeFile(join(out, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
}

async function writeIndex(out, descriptor, tag) {
  const entry = { ...descriptor, annotations: { 'org.opencontainers.image.ref.name': tag } };
  const index = { schemaVersion: 2, mediaType: INDEX_MT, manifests: [entry] };
  await writeFile(join(out, 'index.json'), JSON.stringify(index));
}

async function buildImage(spec) {
  const mt = MT[spec.mediaTypes ?? 'oci'];
  const compression = spec.compression ?? 'gzip';
  const layerMT = mt.layer[compression];
  if (!layerMT) throw new Error(`${spec.mediaTypes} media types have no ${compression} layer`);
  await initLayout(spec.out);
  const base = spec.base ? await readBase(spec.out, spec.base) : { layers: [], diffIds: [], history: [], config: {} };
  const [diffId, layer] = await Promise.all([hashFile(spec.layer), putLayer(spec.out, spec.layer, compression, layerMT)]);
  const { os, architecture, variant } = spec.platform;
  const config = {
    created,
    architecture,
    ...(variant ? { variant } : {}),
    os,
    config: { ...base.config, ...spec.config },
    rootfs: { type: 'layers', diff_ids: [...base.diffIds, diffId] },
    history: [...base.history, { created, created_by: spec.createdBy ?? 'scripts/test-images' }],
  };
  const configDesc = await putBlob(spec.out, mt.config, Buffer.from(JSON.stringify(config)));
  const manifest = { schemaVersion: 2, mediaType: mt.manifest, config: configDesc, layers: [...base.layers, layer] };
  const manifestDesc = await putBlob(spec.out, mt.manifest, Buffer.from(JSON.stringify(manifest)));
  await writeIndex(spec.out, { ...manifestDesc, platform: spec.platform }, spec.tag ?? 'latest');
}

/** Copies a single-image layout's layer blobs into `out`; returns its layer descriptors, diff_ids, history, config. */
async function readBase(out, layout) {
  const index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8'));
  if (index.manifests.length !== 1) throw new Error(`${layout}: expected one manifest in index.json`);
  const blob = (digest) => join(layout, 'blobs', 'sha256', digest.slice(7));
  const manifest = JSON.parse(await readFile(blob(index.manifests[0].digest), 'utf8'));
  const config = JSON.parse(await readFile(blob(manifest.config.digest), 'utf8'));
  for (const d of manifest.layers) await copyFile(blob(d.digest), join(out, 'blobs', 'sha256', d.digest.slice(7)));
  return { layers: manifest.layers, diffIds: config.rootfs.diff_ids, history: config.history ?? [], config: config.config ?? {} };
}

/** Copies every blob of a single-image layout into `out` and returns its manifest descriptor (with platform). */
async function importImage(out, layout) {
  const index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8'));
  if (index.manifests.length !== 1) throw new Error(`${layout}: expected one manifest in index.json`);
  const desc = index.manifests[0];
  const manifest = JSON.parse(await readFile(join(layout, 'blobs', 'sha256', desc.digest.slice(7)), 'utf8'));
  const config = JSON.parse(await readFile(join(layout, 'blobs', 'sha256', manifest.config.digest.slice(7)), 'utf8'));
  for (const d of [desc, manifest.config, ...manifest.layers]) {
    const dst = join(out, 'blobs', 'sha256', d.digest.slice(7));
    const exists = await access(dst).then(() => true, () => false);
    if (!exists) await copyFile(join(layout, 'blobs', 'sha256', d.digest.slice(7)), dst);
  }
  const platform = { architecture: config.architecture, os: config.os, ...(config.variant ? { variant: config.variant } : {}) };
  return { mediaType: desc.mediaType, digest: desc.digest, size: desc.size, platform };
}

async function buildIndex(spec) {
  await initLayout(spec.out);
  const manifests = [];
  for (const layout of spec.images) manifests.push(await importImage(spec.out, layout));
  const index = { schemaVersion: 2, mediaType: INDEX_MT, manifests };
  const indexDesc = await putBlob(spec.out, INDEX_MT, Buffer.from(JSON.stringify(index)));
  await writeIndex(spec.out, indexDesc, spec.tag ?? 'latest');
}

const [mode, json] = process.argv.slice(2);
const spec = JSON.parse(json ?? 'null');
if (!spec || !spec.out || (mode !== 'image' && mode !== 'index')) {
  console.error('usage: oci-layout.mjs image|index JSON');
  process.exit(2);
}
await (mode === 'image' ? buildImage(spec) : buildIndex(spec));
