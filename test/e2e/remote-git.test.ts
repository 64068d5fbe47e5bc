/**
 * ADD <git ref> end to end, root and rootless, against repositories served on loopback by `git http-backend`
 * (smart HTTP behind node:http) and `git daemon` (git://). The Dockerfile asserts from inside the build: the
 * tree of the ref (tag, branch, default branch), modes and symlinks as committed, no .git unless
 * --keep-git-dir, a subdir's contents at the destination, --chown; a subdir escaping through a symlink and a
 * missing ref are errors naming the ADD line; a rebuild on --root is CACHED.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { testEnv } from '../helpers/env.js';
import { gitDaemon, gitHttpServer, gitIn, makeRepo } from '../remote/servers.js';
import { buildArgs } from './helpers.js';
import { testWorkers } from './workers.js';

for (const w of testWorkers()) describe(w.name, () => {
  const cleanups: (() => unknown)[] = [];
  const t = { after: (fn: () => unknown) => cleanups.push(fn) } as unknown as TestContext;
  after(async () => { for (const c of cleanups.reverse()) await c(); });
  let http = '';
  let daemon = '';
  let shas: string[] = [];
  const busybox = (): string => testEnv().images.busybox;

  before(async () => {
    const root = execFileSync('mktemp', ['-d', path.join(os.tmpdir(), 'e2e-git-XXXXXX')], { encoding: 'utf8' }).trim();
    cleanups.push(() => execFileSync('rm', ['-rf', root]));
    ({ shas } = makeRepo(root, 'app', [
      { 'README': 'v0', 'docs/guide.md': 'guide', 'escape': { symlink: '/etc' }, 'bin/run.sh': '#!/bin/sh\n' },
      { 'README': 'v1' },
    ], { tag: 'v0.1' }));
    const work = path.join(root, 'app-work');
    execFileSync('chmod', ['+x', 'bin/run.sh'], { cwd: work });
    gitIn(work, 'commit', '-q', '-am', 'exec bit');
    gitIn(work, 'push', '-q', path.join(root, 'app.git'), 'main');
    http = await gitHttpServer(t, root);
    daemon = await gitDaemon(t, root);
  });

  test('ADD <git>: tag, default branch, subdir, --keep-git-dir over git://, --chown; modes and symlinks as committed', async () => {
    const ctx = await w.makeDir({
      Dockerfile: `FROM ${busybox()}
ADD ${http}/app.git#v0.1 /src
RUN [ "$(cat /src/README)" = v0 ] && [ ! -e /src/.git ] && [ "$(readlink /src/escape)" = /etc ] && [ "$(stat -c %a /src/README)" = 644 ]
ADD ${http}/app.git#main:docs /docs
RUN [ "$(cat /docs/guide.md)" = guide ] && [ ! -e /docs/README ]
ADD --keep-git-dir=true ${daemon}/app.git#v0.1 /kept
RUN [ -f /kept/.git/HEAD ] && [ "$(cat /kept/README)" = v0 ]
ADD --chown=1000:1000 ${http}/app.git /owned
RUN [ "$(cat /owned/README)" = v1 ] && [ "$(stat -c %u:%g /owned/README)" = 1000:1000 ] && [ "$(stat -c %a /owned/bin/run.sh)" = 755 ]
`,
    });
    const dest = await w.tempPath('out');
    const r = await w.buildctl(buildArgs(ctx, '--output', `type=local,dest=${dest}`));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(gitIn(path.join(dest, 'kept'), '-c', 'safe.directory=*', 'rev-parse', 'HEAD'), shas[0]);
    assert.equal(await readFile(path.join(dest, 'docs/guide.md'), 'utf8'), 'guide');
  });

  test('a subdir that leaves the checkout through a symlink, and a missing ref, are errors naming the ADD line', async () => {
    const esc = await w.makeDir({ Dockerfile: `FROM ${busybox()}\nADD ${http}/app.git#main:escape /x\n` });
    const r1 = await w.buildctl(buildArgs(esc, '--output', `type=local,dest=${await w.tempPath('out')}`));
    assert.notEqual(r1.code, 0);
    assert.match(r1.stderr, /Dockerfile:2: subdir escape of http:\/\/127\.0\.0\.1:\d+\/app\.git leaves the repository/);
    const missing = await w.makeDir({ Dockerfile: `FROM ${busybox()}\nADD ${http}/app.git#nope /x\n` });
    const r2 = await w.buildctl(buildArgs(missing, '--output', `type=local,dest=${await w.tempPath('out')}`));
    assert.notEqual(r2.code, 0);
    assert.match(r2.stderr, /Dockerfile:2: repository http:\/\/127\.0\.0\.1:\d+\/app\.git does not contain ref nope/);
  });

  test('a rebuild on --root resolves the ref again and is CACHED', async () => {
    const ctx = await w.makeDir({ Dockerfile: `FROM ${busybox()}\nADD ${http}/app.git#main /src\n` });
    const root = await w.ownedDir('buildctl-root-');
    const env = { BUILDKITD_FLAGS: `--root ${root}` };
    const first = await w.buildctl(buildArgs(ctx, '--output', `type=local,dest=${await w.tempPath('a')}`), { env });
    assert.equal(first.code, 0, first.stderr);
    const second = await w.buildctl(buildArgs(ctx, '--output', `type=local,dest=${await w.tempPath('b')}`), { env });
    assert.equal(second.code, 0, second.stderr);
    const step = /^#(\d+) \[2\/2\] ADD /m.exec(second.stderr)?.[1];
    assert.ok(step, second.stderr);
    assert.match(second.stderr, new RegExp(`^#${step} CACHED$`, 'm'));
  });
});
