/**
 * --export-cache / --import-cache type=local through the real CLI, root and rootless: a build exports its cache,
 * a build in a FRESH state dir imports it and runs nothing (every step CACHED) and writes the same image;
 * mode=min holds the final stage's steps (those whose layers the result has), mode=max every step's; digest=
 * selects a cache of the layout; a tampered blob fails the build.
 */
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { testEnv } from '../helpers/env.js';
import { buildArgs } from './helpers.js';
import { testWorkers } from './workers.js';
import { assertAllCached, cacheTestBuild, CACHE_TEST_FILES } from './cache-fixture.js';

const CONFIG_MT = 'application/vnd.buildkit.cacheconfig.v0';

async function readJson(file: string): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  return JSON.parse(await readFile(file, 'utf8'));
}

/** The cache config of a local cache dir (tag latest). */
async function cacheConfig(dir: string, tag = 'latest'): Promise<{ layers: unknown[]; records: { digest: string }[] }> {
  const top = await readJson(path.join(dir, 'index.json'));
  const entry = top.manifests.find((d: any) => d.annotations?.['org.opencontainers.image.ref.name'] === tag); // eslint-disable-line @typescript-eslint/no-explicit-any
  const index = await readJson(path.join(dir, 'blobs/sha256', entry.digest.slice(7)));
  const cfg = index.manifests.find((d: any) => d.mediaType === CONFIG_MT); // eslint-disable-line @typescript-eslint/no-explicit-any
  return readJson(path.join(dir, 'blobs/sha256', cfg.digest.slice(7)));
}

async function manifestDigest(ociDir: string): Promise<string> {
  return (await readJson(path.join(ociDir, 'index.json'))).manifests[0].digest;
}

for (const w of testWorkers()) describe(w.name, () => {
  let ctx: string;
  const epoch = ['--opt', 'build-arg:SOURCE_DATE_EPOCH=1700000000'];

  before(async () => {
    ctx = await w.makeDir(CACHE_TEST_FILES);
  });

  const build = (root: string, ...extra: string[]) => cacheTestBuild(w, ctx, root, ...extra);

  test('mode=max export, import into a fresh state dir: every step CACHED, same image', async () => {
    const cache = await w.ownedDir('cache-');
    const first = await build(await w.ownedDir('root-a-'), '--export-cache', `type=local,dest=${cache},mode=max`);
    assert.match(first.stderr, /RUN echo one/);
    const cfg = await cacheConfig(cache);
    assert.ok(cfg.records.length >= 5, JSON.stringify(cfg)); // image, 3 RUNs, COPY

    const second = await build(await w.ownedDir('root-b-'), '--import-cache', `type=local,src=${cache}`);
    assertAllCached(second.stderr);
    assert.equal(await manifestDigest(second.out), await manifestDigest(first.out));
  });

  test('mode=min holds the final stage\'s steps (a change in the last step still reuses the ones before); mode=max also the other stages', async () => {
    const ms = await w.makeDir({
      Dockerfile: `FROM ${testEnv().images.busybox} AS builder
RUN echo built > /built
FROM ${testEnv().images.busybox}
RUN echo one > /one
COPY --from=builder /built /built
COPY a.txt /a.txt
RUN cat /a.txt /one /built > /combined
`,
      'a.txt': 'from the context\n',
    });
    const msBuild = async (root: string, ...extra: string[]) => {
      const r = await w.buildctl(buildArgs(ms, ...epoch, ...extra), { env: { BUILDKITD_FLAGS: `--root ${root}` } });
      assert.equal(r.code, 0, r.stderr);
      return r.stderr;
    };
    const cachedStep = (stderr: string, step: RegExp): boolean => {
      const m = [...stderr.matchAll(/^#(\d+) (\[.*)$/gm)].find((x) => step.test(x[2]!));
      assert.ok(m, `no step ${step} in:\n${stderr}`);
      return new RegExp(`^#${m[1]!} CACHED$`, 'm').test(stderr);
    };
    const min = await w.ownedDir('cache-min-');
    const max = await w.ownedDir('cache-max-');
    await msBuild(await w.ownedDir('root-c-'), '--export-cache', `type=local,dest=${min}`, '--export-cache', `type=local,dest=${max},mode=max`);
    const minCfg = await cacheConfig(min);
    const maxCfg = await cacheConfig(max);
    // min: FROM, RUN echo one, COPY --from, COPY a.txt, RUN cat; max: also the builder's RUN.
    assert.equal(minCfg.records.length, 5, JSON.stringify(minCfg.records));
    assert.equal(maxCfg.records.length, 6, JSON.stringify(maxCfg.records));
    for (const r of minCfg.records) assert.ok(maxCfg.records.some((x) => x.digest === r.digest));

    // Unchanged, min makes the whole build a hit.
    const hit = await msBuild(await w.ownedDir('root-g-'), '--import-cache', `type=local,src=${min}`);
    assert.ok(cachedStep(hit, /RUN cat/), hit);

    // The last steps changed (a new context file): min still has the steps before them.
    await writeFile(path.join(ms, 'a.txt'), 'changed\n');
    const fromMin = await msBuild(await w.ownedDir('root-d-'), '--import-cache', `type=local,src=${min}`);
    assert.ok(cachedStep(fromMin, /RUN echo one/), fromMin);
    assert.ok(!cachedStep(fromMin, /RUN cat/), fromMin);

    // The builder stage alone: only max has its step.
    const target = ['--opt', 'target=builder'];
    assert.ok(!cachedStep(await msBuild(await w.ownedDir('root-e-'), ...target, '--import-cache', `type=local,src=${min}`), /RUN echo built/));
    assert.ok(cachedStep(await msBuild(await w.ownedDir('root-h-'), ...target, '--import-cache', `type=local,src=${max}`), /RUN echo built/));
  });

  test('digest= picks one cache of the layout; a tampered blob fails the build and names the blob', async () => {
    const cache = await w.ownedDir('cache-dg-');
    await build(await w.ownedDir('root-i-'), '--export-cache', `type=local,dest=${cache},mode=max,tag=one`);
    await writeFile(path.join(ctx, 'a.txt'), 'changed\n');
    try {
      await build(await w.ownedDir('root-j-'), '--export-cache', `type=local,dest=${cache},mode=max,tag=two`);
    } finally {
      await writeFile(path.join(ctx, 'a.txt'), 'from the context\n');
    }
    const entries: { digest: string; annotations: Record<string, string> }[] = (await readJson(path.join(cache, 'index.json'))).manifests;
    const digestOf = (tag: string): string => entries.find((d) => d.annotations['org.opencontainers.image.ref.name'] === tag)!.digest;
    const viaOne = await build(await w.ownedDir('root-k-'), '--import-cache', `type=local,src=${cache},digest=${digestOf('one')}`);
    assert.match(viaOne.stderr, /^#\d+ \[5\/5\] RUN cat .*\n#\d+ CACHED$/m, viaOne.stderr);
    const viaTwo = await build(await w.ownedDir('root-l-'), '--import-cache', `type=local,src=${cache},digest=${digestOf('two')}`);
    assert.doesNotMatch(viaTwo.stderr, /^#\d+ \[5\/5\] RUN cat .*\n#\d+ CACHED$/m, viaTwo.stderr);

    // Change one byte of the final step's layer blob: BuildKit fails a build whose cache blob cannot be
    // loaded; so do we, naming the cache and the blob (the digest check on import catches it).
    const cfg = await cacheConfig(cache, 'one') as unknown as { layers: { blob: string }[]; records: { layers: { layer: number }[] }[] };
    const top = Math.max(...cfg.records.map((r) => r.layers[0]!.layer));
    const blob = path.join(cache, 'blobs/sha256', cfg.layers[top]!.blob.slice(7));
    const bytes = await readFile(blob);
    bytes[bytes.length - 1] ^= 0xff;
    await writeFile(blob, bytes);
    const out = await w.tempPath('oci');
    const bad = await w.buildctl(buildArgs(ctx, ...epoch, '--output', `type=oci,dest=${out},tar=false`, '--import-cache', `type=local,src=${cache},tag=one`),
      { env: { BUILDKITD_FLAGS: `--root ${await w.ownedDir('root-m-')}` } });
    assert.notEqual(bad.code, 0, bad.stderr);
    assert.match(bad.stderr, new RegExp(`type=local,src=\\S+: blob ${cfg.layers[top]!.blob} does not match its digest`), bad.stderr);
  });

  test('a missing cache dir is a warning; ignore-error turns an export failure into one', async () => {
    const r = await build(await w.ownedDir('root-f-'), '--import-cache', `type=local,src=${path.join(await w.ownedDir('nothing-'), 'none')}`,
      '--export-cache', 'type=registry,ref=127.0.0.1:1/x,ignore-error=true');
    assert.match(r.stderr, /import-cache type=local/);
    assert.match(r.stderr, /ignore-error/);
  });
});
