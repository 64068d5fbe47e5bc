/**
 * The spine, end to end through scripts/buildctl-daemonless.sh, as root and rootless (the worker matrix): a
 * multi-stage Dockerfile with registry base images, RUN (incl. `useradd -u 1000 app && chown app` on Debian),
 * COPY --from, ENV/ARG/WORKDIR/USER, built to local, tar and oci outputs; a rebuild with --root is all CACHED.
 */
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { lstat, readFile, readdir, stat, mkdtemp, readlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { testEnv } from '../helpers/env.js';
import { buildArgs, run } from './helpers.js';
import { testWorkers } from './workers.js';

for (const w of testWorkers()) describe(w.name, () => {

  let ctx: string;

  before(async () => {
    const env = testEnv();
    ctx = await w.makeDir({
      Dockerfile: `# a multi-stage build
  ARG BUSYBOX=${env.images.busybox}
  FROM \${BUSYBOX} AS base
  ENV GREETING=hello
  WORKDIR /work
  RUN echo "$GREETING from $(pwd)" > greeting.txt && ln -s /work/greeting.txt /link

  FROM ${env.images.debian} AS deb
  ARG VERSION=1
  RUN useradd -u 1000 app && mkdir /x && echo "v$VERSION" > /x/version && chown -R app /x

  FROM base AS unused
  RUN exit 1

  FROM base AS final
  ARG VERSION
  COPY --from=deb /x /imported
  COPY app.txt script.sh /app/
  USER 1000
  LABEL org.example.name=test
  EXPOSE 8080 53/udp
  ENTRYPOINT ["/bin/sh"]
  CMD ["-c", "cat /work/greeting.txt"]
  `,
      'app.txt': 'application\n',
      'script.sh': { content: '#!/bin/sh\necho hi\n', mode: 0o755 },
      'ignored.txt': 'never copied',
    });
  });

  test('local output has the final stage filesystem with owners, modes and symlinks', async () => {
    const dest = await w.tempPath('local');
    const r = await w.buildctl(buildArgs(ctx, '--opt', 'build-arg:VERSION=7', '--output', `type=local,dest=${dest}`));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await readFile(path.join(dest, 'work/greeting.txt'), 'utf8'), 'hello from /work\n');
    assert.equal(await readlink(path.join(dest, 'link')), '/work/greeting.txt');
    assert.equal(await readFile(path.join(dest, 'imported/version'), 'utf8'), 'v7\n');
    // COPY of a dir copies its contents; the created dest dir is root's (fsutil MkdirAll), the files keep owners.
    assert.equal((await stat(path.join(dest, 'imported/version'))).uid, w.localUid(1000));
    assert.equal((await stat(path.join(dest, 'imported'))).uid, w.localUid(0));
    assert.equal(await readFile(path.join(dest, 'app/app.txt'), 'utf8'), 'application\n');
    assert.equal((await stat(path.join(dest, 'app/script.sh'))).mode & 0o777, 0o755);
    await assert.rejects(lstat(path.join(dest, 'app/ignored.txt')));
    assert.ok((await readdir(path.join(dest, 'bin'))).includes('busybox'));
    // runc's mount stubs never reach the output
    assert.deepEqual(await readdir(path.join(dest, 'proc')).catch(() => []), []);
    // the stage that is not needed never ran (it would have failed)
    assert.doesNotMatch(r.stderr, /\[unused/);
    assert.match(r.stderr, /#\d+ \[final 1\/2\] COPY --from=deb \/x \/imported/);
  });

  test('tar output is the final filesystem as a tarball', async () => {
    const dest = await w.tempPath('out.tar');
    const r = await w.buildctl(buildArgs(ctx, '--output', `type=tar,dest=${dest}`));
    assert.equal(r.code, 0, r.stderr);
    const listing = await run('tar', ['-tvf', dest]);
    assert.match(listing, /work\/greeting\.txt/);
    assert.match(listing, /1000\/0 .* imported\/version\n/);
    assert.match(listing, /link -> \/work\/greeting\.txt/);
  });

  test('oci output is an image skopeo and umoci accept, with a config like BuildKit writes', async () => {
    const dest = await w.tempPath('image.tar');
    const r = await w.buildctl(buildArgs(ctx, '--opt', 'build-arg:VERSION=7', '--output', `type=oci,dest=${dest},name=example.com/test:1`));
    assert.equal(r.code, 0, r.stderr);
    const inspect = JSON.parse(await run('skopeo', ['inspect', '--config', `oci-archive:${dest}`])) as {
      config: Record<string, unknown>; rootfs: { diff_ids: string[] }; history: { created_by?: string; empty_layer?: boolean }[];
    };
    const cfg = inspect.config;
    assert.deepEqual(cfg['Entrypoint'], ['/bin/sh']);
    assert.deepEqual(cfg['Cmd'], ['-c', 'cat /work/greeting.txt']);
    assert.equal(cfg['WorkingDir'], '/work');
    assert.equal(cfg['User'], '1000');
    assert.deepEqual(cfg['ExposedPorts'], { '53/udp': {}, '8080/tcp': {} });
    assert.equal((cfg['Labels'] as Record<string, string>)['org.example.name'], 'test');
    assert.ok((cfg['Env'] as string[]).includes('GREETING=hello'));
    // one diff_id per non-empty history entry
    const layered = inspect.history.filter((h) => !h.empty_layer);
    assert.equal(layered.length, inspect.rootfs.diff_ids.length);
    assert.ok(inspect.history.some((h) => h.created_by === 'RUN /bin/sh -c echo "$GREETING from $(pwd)" > greeting.txt && ln -s /work/greeting.txt /link # buildkit'));
    assert.ok(inspect.history.some((h) => h.created_by === 'ENV GREETING=hello' && h.empty_layer === true));
    // umoci unpacks the layers into the same tree
    const work = await mkdtemp(path.join(os.tmpdir(), 'umoci-'));
    await run('tar', ['-xf', dest, '-C', work]);
    const index = JSON.parse(await readFile(path.join(work, 'index.json'), 'utf8')) as { manifests: { annotations?: Record<string, string> }[] };
    const tag = index.manifests[0]?.annotations?.['org.opencontainers.image.ref.name'];
    assert.ok(tag, 'index.json names the image');
    await run('umoci', ['unpack', '--image', `${work}:${tag}`, path.join(work, 'bundle')]);
    assert.equal(await readFile(path.join(work, 'bundle/rootfs/imported/version'), 'utf8'), 'v7\n');
    assert.equal((await stat(path.join(work, 'bundle/rootfs/imported/version'))).uid, 1000);
  });

  test('a rebuild with --root runs nothing: every step CACHED', async () => {
    const root = await w.ownedDir('buildctl-root-');
    const first = await w.buildctl(buildArgs(ctx, '--output', `type=local,dest=${await w.tempPath('a')}`), { env: { BUILDKITD_FLAGS: `--root ${root}` } });
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, /RUN echo/);
    const second = await w.buildctl(buildArgs(ctx, '--output', `type=local,dest=${await w.tempPath('b')}`), { env: { BUILDKITD_FLAGS: `--root ${root}` } });
    assert.equal(second.code, 0, second.stderr);
    const steps = [...second.stderr.matchAll(/^#(\d+) \[(?:base|deb|final) \d+\/\d+\] .*$/gm)].map((m) => m[1]!);
    assert.ok(steps.length >= 5, second.stderr);
    for (const n of steps) assert.match(second.stderr, new RegExp(`^#${n} CACHED$`, 'm'), `step #${n} was not cached:\n${second.stderr}`);
  });
});
