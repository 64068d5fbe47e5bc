/**
 * --export-cache/--import-cache type=registry and type=inline through the real CLI against the shared test
 * registry, root and rootless: a build pushes its cache, a build in a FRESH state dir imports it and runs nothing
 * (every step CACHED) and writes the same image; the image-manifest=true shape; an inline cache in a pushed
 * image; lazy import (a hit on an early step downloads only that step's blobs); a missing ref is a warning.
 */
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { access, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { testEnv } from '../helpers/env.js';
import { buildArgs } from './helpers.js';
import { testWorkers } from './workers.js';
import { assertAllCached, buildSteps, cacheTestBuild, CACHE_TEST_FILES } from './cache-fixture.js';

const CONFIG_MT = 'application/vnd.buildkit.cacheconfig.v0';
const ACCEPT = 'application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json';
type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

async function registryGet(repo: string, what: string): Promise<{ type: string; body: Buffer }> {
  const res = await fetch(`http://${testEnv().registry}/v2/${repo}/${what}`, { headers: { accept: ACCEPT } });
  assert.equal(res.status, 200, `GET ${repo}/${what}`);
  return { type: res.headers.get('content-type') ?? '', body: Buffer.from(await res.arrayBuffer()) };
}
const getJson = async (repo: string, what: string): Promise<Json> => JSON.parse((await registryGet(repo, what)).body.toString());

/** The cache config of a registry cache (index or image manifest). */
async function registryCacheConfig(repo: string, tag: string): Promise<{ layers: { blob: string; parent: number }[]; records: { layers: { layer: number }[] }[] }> {
  const m = await getJson(repo, `manifests/${tag}`);
  const cfg = m.config ?? m.manifests.find((d: Json) => d.mediaType === CONFIG_MT);
  return getJson(repo, `blobs/${cfg.digest}`);
}

async function exists(p: string): Promise<boolean> {
  return access(p).then(() => true, () => false);
}


for (const w of testWorkers()) describe(w.name, () => {
  let ctx: string;
  const epoch = ['--opt', 'build-arg:SOURCE_DATE_EPOCH=1700000000'];
  const repo = (what: string): string => `cache-reg/${w.name}-${what}-${randomBytes(4).toString('hex')}`;
  const reg = testEnv().registry;

  before(async () => {
    ctx = await w.makeDir(CACHE_TEST_FILES);
  });

  const build = (root: string, ...extra: string[]) => cacheTestBuild(w, ctx, root, ...extra);

  test('mode=max to a registry, import into a fresh state dir: every step CACHED, same image', async () => {
    const ref = `${reg}/${repo('max')}:cache`;
    const first = await build(await w.ownedDir('root-a-'), '--export-cache', `type=registry,ref=${ref},mode=max`);
    assert.match(first.stderr, /exporting cache to registry/);
    assert.match(first.stderr, /writing layer sha256:[a-f0-9]{64} done/);
    assert.match(first.stderr, /writing config sha256:[a-f0-9]{64} done/);
    assert.match(first.stderr, /writing cache manifest sha256:[a-f0-9]{64} done/);
    const name = ref.slice(reg.length + 1, ref.lastIndexOf(':'));
    const index = await registryGet(name, 'manifests/cache');
    assert.equal(JSON.parse(index.body.toString()).mediaType, 'application/vnd.oci.image.index.v1+json');
    assert.ok((await registryCacheConfig(name, 'cache')).records.length >= 5);

    const second = await build(await w.ownedDir('root-b-'), '--import-cache', `type=registry,ref=${ref}`);
    assertAllCached(second.stderr);
    assert.equal(second.digest, first.digest);
  });

  test('image-manifest=true: an OCI image manifest whose config is the cache config; it imports', async () => {
    const name = repo('imgmf');
    await build(await w.ownedDir('root-c-'), '--export-cache', `type=registry,ref=${reg}/${name},mode=max,image-manifest=true,compression=zstd`);
    const m = await getJson(name, 'manifests/latest');
    assert.equal(m.mediaType, 'application/vnd.oci.image.manifest.v1+json');
    assert.equal(m.config.mediaType, CONFIG_MT);
    assert.ok(m.layers.length >= 3, JSON.stringify(m));
    const cfg = await registryCacheConfig(name, 'latest');
    for (const l of cfg.layers) assert.ok(m.layers.some((d: Json) => d.digest === l.blob), `layer ${l.blob} is not in the manifest`);
    const r = await build(await w.ownedDir('root-d-'), '--import-cache', `type=registry,ref=${reg}/${name}`);
    assertAllCached(r.stderr);
  });

  test('type=inline: the pushed image carries the cache in its config; a fresh build imports it from the image', async () => {
    const name = repo('inline');
    const image = `${reg}/${name}:v1`;
    const first = await w.buildctl(buildArgs(ctx, ...epoch, '--output', `type=image,name=${image},push=true`, '--export-cache', 'type=inline'),
      { env: { BUILDKITD_FLAGS: `--root ${await w.ownedDir('root-e-')}` } });
    assert.equal(first.code, 0, first.stderr);
    const m = await getJson(name, 'manifests/v1');
    const config = await getJson(name, `blobs/${m.config.digest}`);
    const inline = JSON.parse(Buffer.from(config['moby.buildkit.cache.v0'], 'base64').toString());
    assert.ok(inline.records.length >= 4, JSON.stringify(inline));
    assert.ok(inline.layers.length >= m.layers.length);

    const second = await build(await w.ownedDir('root-f-'), '--import-cache', `type=registry,ref=${image}`);
    assertAllCached(second.stderr);
  });

  test('lazy: after a change in the last steps, only the blobs of the steps that hit are downloaded', async () => {
    const name = repo('lazy');
    await build(await w.ownedDir('root-g-'), '--export-cache', `type=registry,ref=${reg}/${name},mode=max`);
    const cfg = await registryCacheConfig(name, 'latest');
    const chainOf = (top: number): string[] => {
      const out: string[] = [];
      for (let i = top; i !== -1; i = cfg.layers[i]!.parent) out.unshift(cfg.layers[i]!.blob);
      return out;
    };
    const chains = cfg.records.map((r) => chainOf(r.layers[0]!.layer)).sort((a, b) => a.length - b.length);
    const longest = chains[chains.length - 1]!; // base, echo, (empty), COPY, cat
    const echo = chains.find((c) => c.length === 2)!; // base, echo

    await writeFile(path.join(ctx, 'a.txt'), 'changed\n');
    try {
      const root = await w.ownedDir('root-h-');
      const r = await build(root, '--import-cache', `type=registry,ref=${reg}/${name}`);
      const s = buildSteps(r.stderr);
      assert.ok(s.find((x) => x.name.includes('RUN echo one'))?.cached, r.stderr);
      assert.ok(!s.find((x) => x.name.includes('RUN cat'))?.cached, r.stderr);
      const blob = (d: string): string => path.join(root, 'content/blobs/sha256', d.slice(7));
      for (const d of echo) assert.ok(await exists(blob(d)), `blob ${d} of a step that hit was not fetched`);
      for (const d of longest.slice(-2)) assert.ok(!(await exists(blob(d))), `blob ${d} of a step that did not hit was fetched`);
    } finally {
      await writeFile(path.join(ctx, 'a.txt'), 'from the context\n');
    }
  });

  test('importing a ref that does not exist, or an image without an inline cache, is a warning, and the build goes on', async () => {
    const r = await w.buildctl(buildArgs(ctx, '--import-cache', `type=registry,ref=${reg}/${repo('none')}:nothing`, '--import-cache', `type=registry,ref=${testEnv().images.busybox}`),
      { env: { BUILDKITD_FLAGS: `--root ${await w.ownedDir('root-i-')}` } });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /--import-cache type=registry,ref=\S+: not found; building without it/);
    assert.match(r.stderr, /--import-cache type=registry,ref=\S+busybox\S*: the image has no inline cache .*; building without it/);
    assert.match(r.stderr, /RUN cat/);
  });
});
