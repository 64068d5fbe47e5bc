/**
 * --export-cache / --import-cache type=local through the real CLI, root and rootless: a build exports its cache,
 * a build in a FRESH state dir imports it and runs nothing (every step CACHED) and writes the same image;
 * mode=min holds only the final result's record, mode=max every step's.
 */
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { testEnv } from '../helpers/env.js';
import { buildArgs } from './helpers.js';
import { testWorkers } from './workers.js';

const CONFIG_MT = 'application/vnd.buildkit.cacheconfig.v0';

async function readJson(file: string): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  return JSON.parse(await readFile(file, 'utf8'));
}

/** The cache config of a local cache dir (tag latest). */
async function cacheConfig(dir: string): Promise<{ layers: unknown[]; records: { digest: string }[] }> {
  const top = await readJson(path.join(dir, 'index.json'));
  const entry = top.manifests.find((d: any) => d.annotations?.['org.opencontainers.image.ref.name'] === 'latest'); // eslint-disable-line @typescript-eslint/no-explicit-any
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
    ctx = await w.makeDir({
      Dockerfile: `FROM ${testEnv().images.busybox}
RUN echo one > /one
RUN true
COPY a.txt /a.txt
RUN cat /a.txt /one > /combined
`,
      'a.txt': 'from the context\n',
    });
  });

  const build = async (root: string, ...extra: string[]) => {
    const out = await w.tempPath('oci');
    const r = await w.buildctl(buildArgs(ctx, ...epoch, '--output', `type=oci,dest=${out},tar=false`, ...extra), { env: { BUILDKITD_FLAGS: `--root ${root}` } });
    assert.equal(r.code, 0, r.stderr);
    return { stderr: r.stderr, out };
  };

  test('mode=max export, import into a fresh state dir: every step CACHED, same image', async () => {
    const cache = await w.ownedDir('cache-');
    const first = await build(await w.ownedDir('root-a-'), '--export-cache', `type=local,dest=${cache},mode=max`);
    assert.match(first.stderr, /RUN echo one/);
    const cfg = await cacheConfig(cache);
    assert.ok(cfg.records.length >= 5, JSON.stringify(cfg)); // image, 3 RUNs, COPY

    const second = await build(await w.ownedDir('root-b-'), '--import-cache', `type=local,src=${cache}`);
    const steps = [...second.stderr.matchAll(/^#(\d+) \[\d+\/\d+\] .*$/gm)].map((m) => m[1]!);
    assert.ok(steps.length >= 4, second.stderr);
    for (const n of steps) assert.match(second.stderr, new RegExp(`^#${n} CACHED$`, 'm'), `step #${n} was not cached:\n${second.stderr}`);
    assert.equal(await manifestDigest(second.out), await manifestDigest(first.out));
  });

  test('mode=min holds the final record only: after a change in the last step it reuses nothing; mode=max reuses the steps before it', async () => {
    const min = await w.ownedDir('cache-min-');
    const max = await w.ownedDir('cache-max-');
    await build(await w.ownedDir('root-c-'), '--export-cache', `type=local,dest=${min}`, '--export-cache', `type=local,dest=${max},mode=max`);
    const minCfg = await cacheConfig(min);
    const maxCfg = await cacheConfig(max);
    assert.equal(minCfg.records.length, 1);
    assert.ok(maxCfg.records.length > minCfg.records.length);
    // The final result's record is in both.
    assert.ok(maxCfg.records.some((r) => r.digest === minCfg.records[0]!.digest));

    // Unchanged, the final record alone makes the whole build a hit.
    const hit = await build(await w.ownedDir('root-g-'), '--import-cache', `type=local,src=${min}`);
    assert.match(hit.stderr, /^#\d+ \[5\/5\] RUN cat .*\n#\d+ CACHED$/m, hit.stderr);
    for (const m of hit.stderr.matchAll(/^#(\d+) \[\d+\/5\] .*$/gm)) assert.match(hit.stderr, new RegExp(`^#${m[1]!} CACHED$`, 'm'), hit.stderr);

    // With the final step changed (a new context file), min has nothing to offer; max gives the first RUNs.
    await import('node:fs/promises').then((fs) => fs.writeFile(path.join(ctx, 'a.txt'), 'changed\n'));
    try {
      const fromMin = await build(await w.ownedDir('root-d-'), '--import-cache', `type=local,src=${min}`);
      const echoMin = fromMin.stderr.match(/^#(\d+) \[\d+\/\d+\] RUN echo one > \/one$/m);
      assert.ok(echoMin, fromMin.stderr);
      assert.doesNotMatch(fromMin.stderr, new RegExp(`^#${echoMin[1]!} CACHED$`, 'm'));
      const fromMax = await build(await w.ownedDir('root-e-'), '--import-cache', `type=local,src=${max}`);
      const echo = fromMax.stderr.match(/^#(\d+) \[\d+\/\d+\] RUN echo one > \/one$/m);
      assert.ok(echo, fromMax.stderr);
      assert.match(fromMax.stderr, new RegExp(`^#${echo[1]!} CACHED$`, 'm'));
      assert.match(fromMax.stderr, /RUN cat \/a.txt/);
    } finally {
      await import('node:fs/promises').then((fs) => fs.writeFile(path.join(ctx, 'a.txt'), 'from the context\n'));
    }
  });

  test('a missing cache dir is a warning; ignore-error turns an export failure into one', async () => {
    const r = await build(await w.ownedDir('root-f-'), '--import-cache', `type=local,src=${path.join(await w.ownedDir('nothing-'), 'none')}`,
      '--export-cache', 'type=registry,ref=127.0.0.1:1/x,ignore-error=true');
    assert.match(r.stderr, /import-cache type=local/);
    assert.match(r.stderr, /ignore-error/);
  });
});
