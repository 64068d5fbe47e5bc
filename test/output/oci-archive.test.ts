import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { ContentStore } from '../../src/output/content-store.js';
import { getLayerBlob } from '../../src/output/layer-blobs.js';
import { writeImage } from '../../src/output/image.js';
import { writeDockerArchive, writeOciArchive } from '../../src/output/oci-archive.js';
import type { Compression } from '../../src/oci/media-types.js';
import type { ImageConfig } from '../../src/oci/schemas.js';
import { makeTree, tempDir, tempLeftovers, treeTar } from './helpers.js';

const sha = (b: Buffer): string => 'sha256:' + createHash('sha256').update(b).digest('hex');
const CREATED = new Date('2024-01-02T03:04:05.678Z');

function config(): ImageConfig {
  return {
    architecture: 'amd64',
    os: 'linux',
    config: { Env: ['PATH=/usr/bin:/bin'], Cmd: ['sh', '-c', 'echo a && echo b'], WorkingDir: '/', Labels: { z: '1', a: '2' } },
    rootfs: { type: 'layers', diff_ids: [] },
    history: [{ created: '2024-01-01T00:00:00Z', created_by: 'COPY . /' }],
  };
}

async function buildImage(root: string, opts: { compression: Compression; oci: boolean }) {
  await makeTree(join(root, 'tree'));
  await mkdir(join(root, 'tree2', 'data'), { recursive: true });
  await writeFile(join(root, 'tree2', 'data', 'second'), 'second layer\n');
  const store = new ContentStore(join(root, 'store'));
  const layers = await Promise.all([
    getLayerBlob(store, { key: 'l1', diffTar: treeTar(join(root, 'tree')) }, { compression: opts.compression, ociMediaTypes: opts.oci }),
    getLayerBlob(store, { key: 'l2', diffTar: treeTar(join(root, 'tree2')) }, { compression: opts.compression, ociMediaTypes: opts.oci }),
  ]);
  const img = await writeImage(store, { layers, config: config(), ociMediaTypes: opts.oci, annotations: { 'org.example': 'x' } });
  return { store, layers, img };
}

async function checkBlobs(layoutDir: string): Promise<number> {
  const dir = join(layoutDir, 'blobs', 'sha256');
  const names = await readdir(dir);
  for (const n of names) assert.equal(sha(await readFile(join(dir, n))), `sha256:${n}`, `blob ${n} matches its name`);
  return names.length;
}

test('writeImage is deterministic and fills rootfs.diff_ids and created', async () => {
  const root = await tempDir('img');
  const a = await buildImage(root, { compression: 'gzip', oci: true });
  const b = await writeImage(a.store, { layers: a.layers, config: config(), ociMediaTypes: true, annotations: { 'org.example': 'x' } });
  assert.deepEqual(b.manifestDescriptor, a.img.manifestDescriptor);
  const cfg = JSON.parse((await a.store.readBytes(a.img.configDescriptor.digest)).toString());
  assert.deepEqual(cfg.rootfs.diff_ids, a.layers.map((l) => l.diffId));
  assert.equal(cfg.created, '2024-01-01T00:00:00Z');
  const raw = (await a.store.readBytes(a.img.configDescriptor.digest)).toString();
  assert.ok(raw.startsWith('{"architecture":"amd64","config":{"Env":'), raw);
  assert.ok(raw.includes('echo a \\u0026\\u0026 echo b'), 'Go escapes & in strings');
});

test('OCI archive: skopeo and umoci accept it, blobs match digests, index.json looks like BuildKit\'s', async () => {
  const root = await tempDir('oci');
  const { store, img } = await buildImage(root, { compression: 'gzip', oci: true });
  const file = join(root, 'out', 'image.tar');
  await writeOciArchive(store, { manifest: img.manifestDescriptor, names: ['example/app:1.0'], dest: file, tar: true, created: CREATED });
  assert.deepEqual(await tempLeftovers(join(root, 'out')), []);

  const inspect = JSON.parse((await execa('skopeo', ['inspect', `oci-archive:${file}`])).stdout);
  assert.equal(inspect.Digest, img.manifestDescriptor.digest);
  assert.equal(inspect.Layers.length, 2);
  assert.equal(inspect.Labels.a, '2');

  const x = join(root, 'x');
  await mkdir(x);
  await execa('tar', ['-xf', file, '-C', x]);
  const listing = (await execa('tar', ['-tvf', file])).stdout.split('\n').map((l) => l.split(/\s+/).pop());
  assert.deepEqual(listing.slice(0, 2), ['blobs/', 'blobs/sha256/']);
  assert.deepEqual(listing.slice(-2), ['index.json', 'oci-layout']);
  assert.equal(await checkBlobs(x), 4);
  assert.equal(await readFile(join(x, 'oci-layout'), 'utf8'), '{"imageLayoutVersion":"1.0.0"}');
  const index = JSON.parse(await readFile(join(x, 'index.json'), 'utf8'));
  assert.deepEqual(index, {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [{
      ...img.manifestDescriptor,
      annotations: {
        'io.containerd.image.name': 'docker.io/example/app:1.0',
        'org.opencontainers.image.created': '2024-01-02T03:04:05Z',
        'org.opencontainers.image.ref.name': '1.0',
      },
    }],
  });

  await execa('umoci', ['stat', '--image', `${x}:1.0`]);
  const bundle = join(root, 'bundle');
  await execa('umoci', ['unpack', '--image', `${x}:1.0`, bundle]);
  const rootfs = join(bundle, 'rootfs');
  assert.equal(await readFile(join(rootfs, 'etc', 'hello.txt'), 'utf8'), 'hello world\n');
  assert.equal(await readFile(join(rootfs, 'data', 'second'), 'utf8'), 'second layer\n');
  const owned = await stat(join(rootfs, 'owned'));
  assert.deepEqual([owned.uid, owned.gid], [1234, 5678]);
  assert.equal((await stat(join(rootfs, 'bin', 'tool'))).mode & 0o7777, 0o4755);
});

test('zstd OCI archive to stdout equals the file form byte for byte', async () => {
  const root = await tempDir('oci');
  const { store, img } = await buildImage(root, { compression: 'zstd', oci: true });
  const file = join(root, 'image.tar');
  const opts = { manifest: img.manifestDescriptor, names: ['app'], tar: true, created: CREATED };
  await writeOciArchive(store, { ...opts, dest: file });
  const mod = new URL('../../src/output/index.js', import.meta.url).pathname;
  const script = `
    const { ContentStore, writeOciArchive } = await import(${JSON.stringify(mod)});
    await writeOciArchive(new ContentStore(${JSON.stringify(store.root)}),
      { manifest: ${JSON.stringify(img.manifestDescriptor)}, names: ['app'], tar: true, created: new Date(${CREATED.getTime()}), dest: '-' });`;
  const piped = await execa('node', ['--input-type=module', '-e', script], { encoding: 'buffer' });
  assert.ok(Buffer.compare(piped.stdout, await readFile(file)) === 0, 'stdout archive equals file archive');
  const raw = JSON.parse((await execa('skopeo', ['inspect', '--raw', `oci-archive:${file}:latest`])).stdout);
  assert.equal(raw.layers[0].mediaType, 'application/vnd.oci.image.layer.v1.tar+zstd');
  const inspect = JSON.parse((await execa('skopeo', ['inspect', `oci-archive:${file}:latest`])).stdout);
  assert.equal(inspect.Digest, img.manifestDescriptor.digest);
});

test('OCI layout directory (tar=false): created atomically, then updated in place by name', async () => {
  const root = await tempDir('ocidir');
  const { store, img } = await buildImage(root, { compression: 'gzip', oci: true });
  const dest = join(root, 'layout');
  await writeOciArchive(store, { manifest: img.manifestDescriptor, names: ['app:1'], dest, tar: false, created: CREATED });
  await writeOciArchive(store, { manifest: img.manifestDescriptor, names: ['app:2'], dest, tar: false, created: CREATED });
  await writeOciArchive(store, { manifest: img.manifestDescriptor, names: ['app:1'], dest, tar: false, created: new Date(0) });
  const index = JSON.parse(await readFile(join(dest, 'index.json'), 'utf8'));
  assert.deepEqual(index.manifests.map((m: { annotations: Record<string, string> }) => m.annotations['org.opencontainers.image.ref.name']), ['2', '1']);
  assert.equal(index.manifests[1].annotations['org.opencontainers.image.created'], '1970-01-01T00:00:00Z');
  assert.equal(await checkBlobs(dest), 4);
  await execa('umoci', ['stat', '--image', `${dest}:2`]);
  assert.deepEqual(await tempLeftovers(root), []);
});

test('docker archive: manifest.json for docker load, Docker media types', async () => {
  const root = await tempDir('docker');
  const { store, img } = await buildImage(root, { compression: 'gzip', oci: false });
  const file = join(root, 'docker.tar');
  await writeDockerArchive(store, { manifest: img.manifestDescriptor, names: ['example/app:1.0', 'localhost:5000/app'], dest: file, created: CREATED });
  const x = join(root, 'x');
  await mkdir(x);
  await execa('tar', ['-xf', file, '-C', x]);
  const manifests = JSON.parse(await readFile(join(x, 'manifest.json'), 'utf8'));
  assert.deepEqual(manifests, [{
    Config: `blobs/sha256/${img.configDescriptor.digest.slice(7)}`,
    RepoTags: ['example/app:1.0', 'localhost:5000/app:latest'],
    Layers: img.manifest.layers.map((l) => `blobs/sha256/${l.digest.slice(7)}`),
  }]);
  assert.equal(img.manifest.mediaType, 'application/vnd.docker.distribution.manifest.v2+json');
  const inspect = JSON.parse((await execa('skopeo', ['inspect', `docker-archive:${file}`])).stdout);
  assert.equal(inspect.Layers.length, 2);
  assert.equal(await checkBlobs(x), 4);
});

test('a missing blob fails the export and leaves no file', async () => {
  const root = await tempDir('oci');
  const { img } = await buildImage(root, { compression: 'gzip', oci: true });
  const empty = new ContentStore(join(root, 'empty'));
  const dest = join(root, 'out.tar');
  await assert.rejects(writeOciArchive(empty, { manifest: img.manifestDescriptor, dest, tar: true }));
  await assert.rejects(stat(dest), { code: 'ENOENT' });
});
