import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { decompress } from 'zstd-napi';
import { ContentStore } from '../../src/output/content-store.js';
import { getLayerBlob, type LayerSource } from '../../src/output/layer-blobs.js';
import { MediaType } from '../../src/oci/media-types.js';
import { makeTree, tempDir, tempLeftovers, treeTar } from './helpers.js';

const sha = (b: Buffer): string => 'sha256:' + createHash('sha256').update(b).digest('hex');

async function counted(dir: string, key: string): Promise<{ layer: LayerSource; calls: () => number }> {
  let n = 0;
  const tar = treeTar(dir);
  return { layer: { key, diffTar: async (out) => { n++; await tar(out); } }, calls: () => n };
}

test('a layer is compressed once per compression, also when asked concurrently', async () => {
  const root = await tempDir('lb');
  await makeTree(join(root, 'tree'));
  const store = new ContentStore(join(root, 'store'));
  const { layer, calls } = await counted(join(root, 'tree'), 'layer-1');
  const opts = { compression: 'gzip' as const, ociMediaTypes: true };
  const [a, b] = await Promise.all([getLayerBlob(store, layer, opts), getLayerBlob(store, layer, opts)]);
  const c = await getLayerBlob(store, layer, opts);
  assert.equal(calls(), 1);
  assert.deepEqual(a, b);
  assert.deepEqual(a, c);
  assert.equal(a.descriptor.mediaType, MediaType.ociLayerGzip);
  const docker = await getLayerBlob(store, layer, { ...opts, ociMediaTypes: false });
  assert.equal(calls(), 1, 'the media type flavour does not recompress');
  assert.equal(docker.descriptor.mediaType, MediaType.dockerLayerGzip);
  assert.equal(docker.descriptor.digest, a.descriptor.digest);

  const blob = await readFile(store.path(a.descriptor.digest));
  assert.equal(sha(blob), a.descriptor.digest);
  assert.equal(blob.length, a.descriptor.size);
  assert.equal(sha(gunzipSync(blob)), a.diffId, 'diffId is the digest of the uncompressed tar');

  const z = await getLayerBlob(store, layer, { compression: 'zstd', ociMediaTypes: true });
  assert.equal(calls(), 2);
  assert.equal(z.diffId, a.diffId, 'gzip and zstd blobs hold the same tar');
  assert.equal(sha(decompress(await readFile(store.path(z.descriptor.digest)))), a.diffId);
  assert.equal(z.descriptor.mediaType, MediaType.ociLayerZstd);

  const u = await getLayerBlob(store, layer, { compression: 'uncompressed', ociMediaTypes: false });
  assert.equal(u.descriptor.digest, a.diffId);
  assert.equal(u.descriptor.mediaType, MediaType.dockerLayer);
});

test('another process finds the blob through the record and does not compress again', async () => {
  const root = await tempDir('lb');
  await makeTree(join(root, 'tree'));
  const storeDir = join(root, 'store');
  const { layer } = await counted(join(root, 'tree'), 'layer-x');
  const first = await getLayerBlob(new ContentStore(storeDir), layer, { compression: 'zstd', ociMediaTypes: true });
  const mod = join(fileURLToPath(new URL('.', import.meta.url)), '../../src/output/index.js');
  const script = `
    const { ContentStore, getLayerBlob } = await import(${JSON.stringify(mod)});
    const layer = { key: 'layer-x', diffTar: async () => { throw new Error('compressed again'); } };
    const r = await getLayerBlob(new ContentStore(${JSON.stringify(storeDir)}), layer, { compression: 'zstd', ociMediaTypes: true });
    process.stdout.write(JSON.stringify(r));`;
  const { stdout } = await execa('node', ['--input-type=module', '-e', script]);
  assert.deepEqual(JSON.parse(stdout), first);
});

test('an existing blob is reused as is unless force-compression asks for another compression', async () => {
  const root = await tempDir('lb');
  await makeTree(join(root, 'tree'));
  const store = new ContentStore(join(root, 'store'));
  const { layer: base } = await counted(join(root, 'tree'), 'base-src');
  const made = await getLayerBlob(store, base, { compression: 'gzip', ociMediaTypes: false });
  const existingBlob = { descriptor: made.descriptor, path: store.path(made.descriptor.digest), diffId: made.diffId };
  const { layer, calls } = await counted(join(root, 'tree'), 'base-layer');
  const reused = await getLayerBlob(new ContentStore(join(root, 'store2')), { ...layer, existingBlob }, { compression: 'zstd', ociMediaTypes: true });
  assert.equal(calls(), 0);
  assert.equal(reused.descriptor.digest, made.descriptor.digest);
  assert.equal(reused.descriptor.mediaType, MediaType.ociLayerGzip, 'converted to the OCI flavour');
  const forced = await getLayerBlob(store, { ...layer, existingBlob }, { compression: 'zstd', ociMediaTypes: true, forceCompression: true });
  assert.equal(calls(), 0, 'transcoded from the existing blob, not re-tarred from the snapshot');
  assert.equal(forced.descriptor.mediaType, MediaType.ociLayerZstd);
  assert.equal(forced.diffId, made.diffId);
  assert.equal(sha(decompress(await readFile(store.path(forced.descriptor.digest)))), made.diffId);
  // an existing blob whose content does not match its diff_id is refused
  const lying = { ...existingBlob, diffId: 'sha256:' + '0'.repeat(64) };
  await assert.rejects(getLayerBlob(store, { ...layer, key: 'lying', existingBlob: lying }, { compression: 'uncompressed', ociMediaTypes: true, forceCompression: true }),
    /uncompressed content is sha256:[0-9a-f]{64}, its diff_id is sha256:0{64}/);
});

test('a failing diffTar publishes nothing, leaves no temp file, and can be retried', async () => {
  const root = await tempDir('lb');
  await makeTree(join(root, 'tree'));
  const store = new ContentStore(join(root, 'store'));
  let fail = true;
  const tar = treeTar(join(root, 'tree'));
  const layer: LayerSource = {
    key: 'flaky',
    diffTar: async (out) => {
      if (!fail) return tar(out);
      out.write(Buffer.alloc(4096, 1));
      throw new Error('snapshot vanished');
    },
  };
  await assert.rejects(getLayerBlob(store, layer, { compression: 'gzip', ociMediaTypes: true }), /snapshot vanished/);
  assert.deepEqual(await tempLeftovers(join(store.root, 'blobs', 'sha256')), []);
  assert.deepEqual((await readdir(join(store.root, 'blobs', 'sha256'))).length, 0);
  fail = false;
  const ok = await getLayerBlob(store, layer, { compression: 'gzip', ociMediaTypes: true });
  assert.equal(sha(await readFile(store.path(ok.descriptor.digest))), ok.descriptor.digest);
});
