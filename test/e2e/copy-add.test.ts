/** ADD of local archives (extracted, --chown applied) and COPY --link (a rebase does not re-run the copy), root and rootless. */
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFile, mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { testEnv } from '../helpers/env.js';
import { buildArgs } from './helpers.js';
import { testWorkers } from './workers.js';

/** pkg/data.txt owned by 1000:1000 as a tar and compressed with each compressor, written into dir. */
async function writeArchives(dir: string): Promise<void> {
  const t = await mkdtemp(path.join(os.tmpdir(), 'arch-'));
  await mkdir(path.join(t, 'tree/pkg'), { recursive: true });
  await writeFile(path.join(t, 'tree/pkg/data.txt'), 'data\n');
  const tar = path.join(t, 'a.tar');
  execFileSync('tar', ['-cf', tar, '-C', path.join(t, 'tree'), '--owner=1000', '--group=1000', '--numeric-owner', 'pkg']);
  await copyFile(tar, path.join(dir, 'plain.tar'));
  for (const [cmd, suffix] of [['gzip', '.gz'], ['bzip2', '.bz2'], ['xz', '.xz'], ['zstd', '.zst']] as const) {
    execFileSync(cmd, ['-k', '-q', tar]);
    await copyFile(tar + suffix, path.join(dir, `a.tar${suffix}`));
  }
  execFileSync('rm', ['-rf', t]);
}

const ADD_DOCKERFILE = (base: string): string => `FROM ${base}
RUN echo 'app:x:1234:1234::/:/bin/sh' >> /etc/passwd && echo 'app:x:1234:' >> /etc/group
ADD plain.tar /x/plain/
ADD a.tar.gz /x/gz
ADD a.tar.bz2 a.tar.xz /x/multi/
ADD --chown=app a.tar.zst /x/owned/
ADD fake.tar.gz /x/file/
COPY a.tar.gz /x/copied/
RUN [ "$(cat /x/plain/pkg/data.txt)" = data ] && [ "$(stat -c %u:%g /x/plain/pkg/data.txt)" = 1000:1000 ]
RUN [ -f /x/gz/pkg/data.txt ] && [ -f /x/multi/pkg/data.txt ]
RUN [ "$(stat -c %U /x/owned/pkg)" = app ] && [ "$(stat -c %U /x/owned/pkg/data.txt)" = app ]
RUN [ "$(cat /x/file/fake.tar.gz)" = "not an archive" ] && [ -f /x/copied/a.tar.gz ] && [ ! -e /x/copied/pkg ]
`;

const LINK_DOCKERFILE = (base: string): string => `FROM ${base}
ARG V=1
RUN echo $V > /v
COPY --link --chown=1234:1234 f.txt /linked/f.txt
RUN [ "$(cat /linked/f.txt)" = linked ] && [ "$(stat -c %u /linked/f.txt)" = 1234 ] && [ -f /v ]
`;

for (const w of testWorkers()) describe(w.name, () => {
  let ctx: string;
  before(async () => {
    ctx = await w.makeDir({ 'fake.tar.gz': 'not an archive\n', Dockerfile: ADD_DOCKERFILE(testEnv().images.busybox) });
    await writeArchives(ctx);
    if (w.rootless) execFileSync('chown', ['-R', `${w.uid}:${w.gid}`, ctx]);
  });

  test('ADD extracts local tar archives of every compression (by content), keeps or sets owners; COPY never extracts', async () => {
    const r = await w.buildctl(buildArgs(ctx));
    assert.equal(r.code, 0, r.stderr);
  });

  test('COPY --link: the copy is made on scratch and merged; a changed base re-runs only the merge', async () => {
    const dir = await w.makeDir({ 'f.txt': 'linked\n', Dockerfile: LINK_DOCKERFILE(testEnv().images.busybox) });
    const root = await w.ownedDir('buildctl-root-');
    const env = { BUILDKITD_FLAGS: `--root ${root}` };
    const first = await w.buildctl(buildArgs(dir, '--opt', 'build-arg:V=1'), { env });
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, /\[3\/4\] LINK COPY --link/);
    const second = await w.buildctl(buildArgs(dir, '--opt', 'build-arg:V=2'), { env });
    assert.equal(second.code, 0, second.stderr);
    // The RUN changed (new base); the copy on scratch did not, so its vertex is CACHED.
    const copyVertex = /^#(\d+) \[3\/4\] COPY --link/m.exec(second.stderr);
    assert.ok(copyVertex, second.stderr);
    assert.match(second.stderr, new RegExp(`^#${copyVertex[1]} CACHED$`, 'm'), second.stderr);
    const runVertex = /^#(\d+) \[2\/4\] RUN echo/m.exec(second.stderr);
    assert.ok(runVertex, second.stderr);
    assert.doesNotMatch(second.stderr, new RegExp(`^#${runVertex[1]} CACHED$`, 'm'));
  });
});
