/**
 * --export-cache ...,mounts=true through the real CLI, root and rootless: the RUN --mount=type=cache dirs a build
 * used travel with its cache; a build in a FRESH state dir that imports it finds the content (and owners) its RUN
 * left, through a local cache and a registry cache. Without mounts=true no cache mount is exported. Cache mounts of the --root that this build did not use
 * stay out of the export.
 */
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { CACHE_MOUNT_KEY } from '../../src/cache/export/cache-config.js';
import { testEnv } from '../helpers/env.js';
import { buildArgs } from './helpers.js';
import { testWorkers } from './workers.js';

const CONFIG_MT = 'application/vnd.buildkit.cacheconfig.v0';

async function readJson(file: string): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  return JSON.parse(await readFile(file, 'utf8'));
}

/** The identities of the cache mount layers in a local cache (tag latest; an index or an image manifest). */
async function exportedMounts(dir: string): Promise<string[]> {
  const blob = (d: { digest: string }) => path.join(dir, 'blobs/sha256', d.digest.slice(7));
  const top = await readJson(path.join(dir, 'index.json'));
  const entry = top.manifests.find((d: any) => d.annotations?.['org.opencontainers.image.ref.name'] === 'latest'); // eslint-disable-line @typescript-eslint/no-explicit-any
  const m = await readJson(blob(entry));
  const cfgDesc = m.config?.mediaType === CONFIG_MT ? m.config : m.manifests.find((d: any) => d.mediaType === CONFIG_MT); // eslint-disable-line @typescript-eslint/no-explicit-any
  const cfg = await readJson(blob(cfgDesc));
  return (cfg.layers as { parent?: number; annotations?: { additional?: Record<string, string> } }[])
    .filter((l) => l.annotations?.additional?.[CACHE_MOUNT_KEY] !== undefined)
    .map((l) => { assert.equal(l.parent, -1); return l.annotations!.additional![CACHE_MOUNT_KEY]!; });
}

for (const w of testWorkers()) describe(w.name, () => {
  let ctx: string;
  let other: string;

  before(async () => {
    // /seen: what the cache held when the RUN started (content, then owner); the RUN then leaves its own mark.
    ctx = await w.makeDir({
      Dockerfile: `FROM ${testEnv().images.busybox}
ARG N
RUN --mount=type=cache,target=/cache,id=x sh -c 'if [ -e /cache/n ]; then cat /cache/n; stat -c %u:%g /cache/n; else echo none; fi > /seen; echo "from-build-$N" > /cache/n; chown 123:456 /cache/n'
`,
    });
    other = await w.makeDir({
      Dockerfile: `FROM ${testEnv().images.busybox}
RUN --mount=type=cache,target=/u,id=not-this-build echo u > /u/u
`,
    });
  });

  const build = async (o: { root: string; context: string; n?: string }, ...extra: string[]) => {
    const out = await w.tempPath('out');
    const args = buildArgs(o.context, ...(o.n !== undefined ? ['--opt', `build-arg:N=${o.n}`] : []), '--output', `type=local,dest=${out}`, ...extra);
    const r = await w.buildctl(args, { env: { BUILDKITD_FLAGS: `--root ${o.root}` } });
    assert.equal(r.code, 0, r.stderr);
    return { stderr: r.stderr, out };
  };
  const seen = async (out: string) => readFile(path.join(out, 'seen'), 'utf8');

  test('mounts=true: a fresh state dir that imports the cache finds what the RUN left; only this build\'s cache mounts are exported', async () => {
    const rootA = await w.ownedDir('root-a-');
    await build({ root: rootA, context: other });
    const before = await readdir(path.join(rootA, 'cache-mounts'));
    assert.equal(before.length, 1);

    const cache = await w.ownedDir('cache-');
    const a = await build({ root: rootA, context: ctx, n: '1' }, '--export-cache', `type=local,dest=${cache},mode=max,mounts=true`);
    assert.equal(await seen(a.out), 'none\n');
    const mine = (await readdir(path.join(rootA, 'cache-mounts'))).filter((d) => !before.includes(d));
    assert.equal(mine.length, 1);
    assert.deepEqual(await exportedMounts(cache), mine, 'the cache mount of this build, not the other one in --root');

    // Another build arg: the RUN runs again, in a state dir that never had the cache mount.
    const b = await build({ root: await w.ownedDir('root-b-'), context: ctx, n: '2' }, '--import-cache', `type=local,src=${cache}`);
    assert.doesNotMatch(b.stderr, /WARN/, b.stderr);
    assert.equal(await seen(b.out), 'from-build-1\n123:456\n');
  });

  test('mounts=true through a registry cache (zstd, image-manifest=true): the importing RUN finds the content', async () => {
    const ref = `${testEnv().registry}/test/cache-mounts-${w.name}-${process.pid}:cache`;
    await build({ root: await w.ownedDir('root-e-'), context: ctx, n: '1' },
      '--export-cache', `type=registry,ref=${ref},mode=max,mounts=true,compression=zstd,image-manifest=true`);
    const b = await build({ root: await w.ownedDir('root-f-'), context: ctx, n: '2' }, '--import-cache', `type=registry,ref=${ref}`);
    assert.equal(await seen(b.out), 'from-build-1\n123:456\n');
  });

  test('a fully cached build still exports its cache mounts: carried forward from the imported cache, or from its --root', async () => {
    const rootG = await w.ownedDir('root-g-');
    const first = await w.ownedDir('cache-1-');
    await build({ root: rootG, context: ctx, n: '1' }, '--export-cache', `type=local,dest=${first},mode=max,mounts=true`);
    const identities = await exportedMounts(first);
    assert.equal(identities.length, 1);

    // Fresh state dir, same build arg: every step CACHED from the import, no RUN leases the cache.
    const second = await w.ownedDir('cache-2-');
    const b = await build({ root: await w.ownedDir('root-h-'), context: ctx, n: '1' }, '--import-cache', `type=local,src=${first}`, '--export-cache', `type=local,dest=${second},mode=max,mounts=true`);
    const run = /^#(\d+) \[\d+\/\d+\] RUN --mount/m.exec(b.stderr)?.[1];
    assert.ok(run !== undefined, b.stderr);
    assert.match(b.stderr, new RegExp(`^#${run} CACHED$`, 'm'), b.stderr);
    assert.deepEqual(await exportedMounts(second), identities);
    const c = await build({ root: await w.ownedDir('root-i-'), context: ctx, n: '2' }, '--import-cache', `type=local,src=${second}`);
    assert.equal(await seen(c.out), 'from-build-1\n123:456\n');

    // The persistent --root that has the cache: a cached rebuild exports it from there.
    const third = await w.ownedDir('cache-3-');
    await build({ root: rootG, context: ctx, n: '1' }, '--export-cache', `type=local,dest=${third},mode=max,mounts=true`);
    assert.deepEqual(await exportedMounts(third), identities);
  });

  test('without mounts=true no cache mount is exported and the importing RUN finds an empty cache', async () => {
    const cache = await w.ownedDir('cache-plain-');
    await build({ root: await w.ownedDir('root-c-'), context: ctx, n: '1' }, '--export-cache', `type=local,dest=${cache},mode=max`);
    assert.deepEqual(await exportedMounts(cache), []);
    const b = await build({ root: await w.ownedDir('root-d-'), context: ctx, n: '2' }, '--import-cache', `type=local,src=${cache}`);
    assert.equal(await seen(b.out), 'none\n');
  });
});
