/**
 * RegistryClient against a real docker-registry: OCI and Docker schema 2 images, an image index, every layer
 * compression, by tag and by digest, and the one-line errors for 404, unreachable host and missing platform.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { decompress as zstdDecompress } from 'zstd-napi';
import { MediaType, layerCompression } from '../../src/oci/media-types.js';
import type { Descriptor } from '../../src/oci/schemas.js';
import { RegistryClient } from '../../src/registry/client.js';
import { loadDockerConfig } from '../../src/registry/docker-config.js';
import { parseReference } from '../../src/registry/reference.js';
import { NoMatchingPlatformError, NotFoundError } from '../../src/registry/registry-errors.js';
import { RegistryError } from '../../src/errors.js';
import { pushLayout, startRegistry, type RunningRegistry } from '../helpers/registry.js';
import { writeImageLayout, writeIndexLayout, type BuiltImage } from './layouts.js';

const sha256 = (b: Uint8Array): string => 'sha256:' + createHash('sha256').update(b).digest('hex');

let reg: RunningRegistry;
let work: string;
let client: RegistryClient;
let oci: BuiltImage;
let docker: BuiltImage;
let multi: Awaited<ReturnType<typeof writeIndexLayout>>;

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'registry-pull-'));
  reg = await startRegistry();
  oci = await writeImageLayout(join(work, 'oci'), {
    layers: [
      { files: { 'etc/a': 'gzip layer\n' }, compression: 'gzip' },
      { files: { 'etc/b': 'zstd layer\n' }, compression: 'zstd' },
      { files: { 'etc/c': 'plain layer\n' }, compression: 'uncompressed' },
    ],
  });
  docker = await writeImageLayout(join(work, 'docker'), {
    layers: [
      { files: { 'etc/a': 'docker gzip\n' }, compression: 'gzip' },
      { files: { 'etc/b': 'docker plain\n' }, compression: 'uncompressed' },
    ],
  });
  multi = await writeIndexLayout(join(work, 'multi'), [
    { layers: [{ files: { arch: 'amd64\n' }, compression: 'gzip' }] },
    { layers: [{ files: { arch: 'arm64\n' }, compression: 'zstd' }], architecture: 'arm64', variant: 'v8' },
  ]);
  await pushLayout(join(work, 'oci'), `${reg.host}/test/oci:latest`);
  await pushLayout(join(work, 'docker'), `${reg.host}/test/docker:latest`, { format: 'v2s2' });
  await pushLayout(join(work, 'multi'), `${reg.host}/test/multi:latest`);
  const dockerConfig = await loadDockerConfig({ path: join(work, 'no-such-config.json') });
  client = new RegistryClient({ dockerConfig, retry: { attempts: 2, baseDelayMs: 10 } });
});

after(async () => {
  await client?.close();
  await reg?.stop();
  await rm(work, { recursive: true, force: true });
});

/** Fetch every layer; check the file is the blob and that it unpacks to the config's diff_id. */
async function fetchAndCheckLayers(ref: string, layers: Descriptor[], diffIds: string[]): Promise<void> {
  const dir = await mkdtemp(join(work, 'blobs-'));
  for (const [i, layer] of layers.entries()) {
    const dest = join(dir, `layer${i}`);
    let last = 0;
    await client.fetchBlob(parseReference(ref), layer, dest, { onProgress: (n) => (last = n) });
    const bytes = await readFile(dest);
    assert.equal(sha256(bytes), layer.digest);
    assert.equal(last, layer.size, 'progress reaches the blob size');
    const c = layerCompression(layer.mediaType);
    const tar = c === 'gzip' ? gunzipSync(bytes) : c === 'zstd' ? zstdDecompress(bytes) : bytes;
    assert.equal(sha256(tar), diffIds[i], `layer ${i} (${c}) unpacks to its diff_id`);
  }
  assert.deepEqual((await readdir(dir)).sort(), layers.map((_, i) => `layer${i}`).sort(), 'no temp files left');
}

test('resolves an OCI image by tag: digest, media type, config', async () => {
  const r = await client.resolve(parseReference(`${reg.host}/test/oci:latest`));
  assert.equal(r.manifestDigest, oci.manifest.digest);
  assert.equal(r.manifestMediaType, MediaType.ociManifest);
  assert.equal(r.indexDigest, undefined);
  assert.equal(r.ref.toString(), `${reg.host}/test/oci:latest@${oci.manifest.digest}`);
  assert.equal(r.configDigest, oci.config.digest);
  assert.equal(sha256(r.configBytes), oci.config.digest);
  assert.deepEqual(r.config.rootfs.diff_ids, oci.diffIds);
  assert.deepEqual(r.manifest.layers.map((l) => l.mediaType), [MediaType.ociLayerGzip, MediaType.ociLayerZstd, MediaType.ociLayer]);
});

test('fetches gzip, zstd and uncompressed layers with verified digests', async () => {
  const r = await client.resolve(parseReference(`${reg.host}/test/oci:latest`));
  await fetchAndCheckLayers(`${reg.host}/test/oci:latest`, r.manifest.layers, r.config.rootfs.diff_ids);
});

test('resolves by digest', async () => {
  const r = await client.resolve(parseReference(`${reg.host}/test/oci@${oci.manifest.digest}`));
  assert.equal(r.manifestDigest, oci.manifest.digest);
  assert.equal(r.ref.tag, undefined);
});

test('resolves a Docker schema 2 image and fetches its layers', async () => {
  const r = await client.resolve(parseReference(`${reg.host}/test/docker:latest`));
  assert.equal(r.manifestMediaType, MediaType.dockerManifest);
  assert.equal(r.manifest.config.mediaType, MediaType.dockerConfig);
  // skopeo compresses the uncompressed layer when converting to v2s2.
  assert.deepEqual(r.manifest.layers.map((l) => l.mediaType), [MediaType.dockerLayerGzip, MediaType.dockerLayerGzip]);
  assert.deepEqual(r.config.rootfs.diff_ids, docker.diffIds);
  assert.equal(sha256(r.configBytes), r.configDigest);
  await fetchAndCheckLayers(`${reg.host}/test/docker:latest`, r.manifest.layers, r.config.rootfs.diff_ids);
});

test('an index resolves to linux/amd64 by default and to the asked platform', async () => {
  const ref = parseReference(`${reg.host}/test/multi:latest`);
  const amd = await client.resolve(ref);
  assert.equal(amd.indexDigest, multi.index.digest);
  assert.equal(amd.ref.digest, multi.index.digest, 'the reference is pinned to what the tag points at');
  assert.equal(amd.manifestDigest, multi.images[0]!.manifest.digest);
  assert.equal(amd.config.architecture, 'amd64');
  const arm = await client.resolve(ref, { os: 'linux', architecture: 'arm64' });
  assert.equal(arm.manifestDigest, multi.images[1]!.manifest.digest);
  const armV8 = await client.resolve(ref, { os: 'linux', architecture: 'aarch64', variant: 'v8' });
  assert.equal(armV8.manifestDigest, multi.images[1]!.manifest.digest);
  await fetchAndCheckLayers(ref.toString(), arm.manifest.layers, arm.config.rootfs.diff_ids);
});

test('no matching platform is a one-line error naming the platform and the image', async () => {
  const ref = parseReference(`${reg.host}/test/multi:latest`);
  await assert.rejects(client.resolve(ref, { os: 'linux', architecture: 's390x' }), (e: unknown) => {
    assert.ok(e instanceof NoMatchingPlatformError);
    assert.match(e.message, new RegExp(`^no match for platform linux/s390x in manifest list ${reg.host}/test/multi:latest@${multi.index.digest} \\(available: linux/amd64, linux/arm64/v8\\)$`));
    return true;
  });
  await assert.rejects(client.resolve(ref, { os: 'linux', architecture: 'arm64', variant: 'v7' }), NoMatchingPlatformError);
});

test('a missing tag, repository or digest is "not found"', async () => {
  for (const s of [`${reg.host}/test/oci:nope`, `${reg.host}/test/nothing:latest`, `${reg.host}/test/oci@sha256:${'0'.repeat(64)}`]) {
    const ref = parseReference(s);
    await assert.rejects(client.resolve(ref), (e: unknown) => {
      assert.ok(e instanceof NotFoundError);
      assert.equal(e.message, `failed to resolve ${ref}: not found`);
      return true;
    });
  }
  const missingBlob = { mediaType: MediaType.ociLayerGzip, digest: `sha256:${'1'.repeat(64)}`, size: 3 };
  await assert.rejects(client.fetchBlob(parseReference(`${reg.host}/test/oci:latest`), missingBlob, join(work, 'x')),
    { message: `failed to fetch blob ${missingBlob.digest} of ${reg.host}/test/oci:latest: not found` });
});

test('an unreachable registry is a one-line error with the connect error', async () => {
  await assert.rejects(client.resolve(parseReference('127.0.0.1:1/x:latest')), (e: unknown) => {
    assert.ok(e instanceof RegistryError);
    assert.match(e.message, /^failed to resolve 127\.0\.0\.1:1\/x:latest: connect ECONNREFUSED 127\.0\.0\.1:1$/);
    return true;
  });
});
