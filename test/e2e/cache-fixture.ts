/**
 * The build the cache export/import e2e tests share: busybox + three RUNs and a COPY, an OCI dir output with a
 * fixed SOURCE_DATE_EPOCH (so two builds of it give one manifest digest), on a given --root; and the check that
 * every "[n/N] ..." step of a build was CACHED.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { testEnv } from '../helpers/env.js';
import { buildArgs } from './helpers.js';
import type { TestWorker } from './workers.js';

export const CACHE_TEST_FILES = {
  Dockerfile: `FROM ${testEnv().images.busybox}
RUN echo one > /one
RUN true
COPY a.txt /a.txt
RUN cat /a.txt /one > /combined
`,
  'a.txt': 'from the context\n',
};

export interface CacheTestBuild {
  readonly stderr: string;
  /** The OCI dir written. */
  readonly out: string;
  /** Its manifest digest. */
  readonly digest: string;
}

/** Build `ctx` on the state dir `root` into a fresh OCI dir; fails the test unless the build succeeds. */
export async function cacheTestBuild(w: TestWorker, ctx: string, root: string, ...extra: string[]): Promise<CacheTestBuild> {
  const out = await w.tempPath('oci');
  const epoch = ['--opt', 'build-arg:SOURCE_DATE_EPOCH=1700000000'];
  const r = await w.buildctl(buildArgs(ctx, ...epoch, '--output', `type=oci,dest=${out},tar=false`, ...extra), { env: { BUILDKITD_FLAGS: `--root ${root}` } });
  assert.equal(r.code, 0, r.stderr);
  const digest: string = JSON.parse(await readFile(path.join(out, 'index.json'), 'utf8')).manifests[0].digest;
  return { stderr: r.stderr, out, digest };
}

/** Steps reported as "[n/N] ..." and whether each was CACHED. */
export function buildSteps(stderr: string): { name: string; cached: boolean }[] {
  return [...stderr.matchAll(/^#(\d+) (\[(?:\S+ )?\d+\/\d+\] .*)$/gm)].map((m) => ({ name: m[2]!, cached: new RegExp(`^#${m[1]!} CACHED$`, 'm').test(stderr) }));
}

export function assertAllCached(stderr: string): void {
  const s = buildSteps(stderr);
  assert.ok(s.length >= 4, stderr);
  for (const x of s) assert.ok(x.cached, `${x.name} was not cached:\n${stderr}`);
}
