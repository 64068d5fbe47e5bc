/**
 * RUN --mount=type=cache|bind|tmpfs end to end, as root and rootless: Dockerfiles assert from inside the build;
 * the output tree shows that no mount point and no mounted content reached a layer; cache mounts persist in a
 * --root state dir and take part in no cache key; bind mounts of the context key on the bound files only.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { testEnv } from '../helpers/env.js';
import { buildArgs } from './helpers.js';
import { testWorkers } from './workers.js';

for (const w of testWorkers()) describe(w.name, () => {
  const bb = () => testEnv().images.busybox;
  const out = async (n: string) => `type=local,dest=${await w.tempPath(n)}`;

  test('cache mounts persist across builds in --root; their content is in no layer and no cache key', async () => {
    const root = await w.ownedDir('buildctl-root-');
    const ctx = await w.makeDir({
      Dockerfile: `FROM ${bb()}
ARG N
RUN --mount=type=cache,target=/var/cache/app echo "run $N" >> /var/cache/app/log && cat /var/cache/app/log
RUN --mount=type=cache,id=shared-id,target=/a echo from-a > /a/f
RUN --mount=type=cache,id=shared-id,target=/b,ro [ "$(cat /b/f)" = from-a ] && ! touch /b/g 2>/dev/null
RUN --mount=type=cache,target=/c,mode=0700,uid=123,gid=456 [ "$(stat -c '%a %u %g' /c)" = "700 123 456" ]
RUN [ ! -e /var/cache/app ] && [ ! -e /a ] && [ ! -e /b ] && [ ! -e /c ]
`,
    });
    const env = { BUILDKITD_FLAGS: `--root ${root}` };
    const dest1 = await w.tempPath('one');
    const first = await w.buildctl(buildArgs(ctx, '--opt', 'build-arg:N=1', '--output', `type=local,dest=${dest1}`), { env });
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, /^#\d+ [0-9.]+ run 1$/m);
    assert.ok(!(await readdir(dest1)).includes('a'));
    const second = await w.buildctl(buildArgs(ctx, '--opt', 'build-arg:N=2', '--output', await out('two')), { env });
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, /^#\d+ [0-9.]+ run 1\n#\d+ [0-9.]+ run 2$/m, 'the cache kept the first build\'s file');
    // Same definition again: every RUN is cached although the cache mount's content changed meanwhile.
    const third = await w.buildctl(buildArgs(ctx, '--opt', 'build-arg:N=2', '--output', await out('three')), { env });
    assert.equal(third.code, 0, third.stderr);
    assert.doesNotMatch(third.stderr, /run 1/);
    assert.equal([...third.stderr.matchAll(/^#\d+ CACHED$/gm)].length >= 5, true, third.stderr);
  });

  test('cache mounts: from/source seed a new cache; locked users take turns, private ones get their own dir', async () => {
    const ctx = await w.makeDir({
      Dockerfile: `FROM ${bb()} AS seed
RUN mkdir -p /data/sub && echo seeded > /data/sub/s

FROM ${bb()} AS l1
RUN --mount=type=cache,id=lk,target=/c,sharing=locked mkdir /c/busy && sleep 1 && rmdir /c/busy && touch /l1
FROM ${bb()} AS l2
RUN --mount=type=cache,id=lk,target=/c,sharing=locked mkdir /c/busy && sleep 1 && rmdir /c/busy && touch /l2
FROM ${bb()} AS p1
RUN --mount=type=cache,id=pv,target=/c,sharing=private mkdir /c/busy && sleep 1 && rmdir /c/busy && touch /p1
FROM ${bb()} AS p2
RUN --mount=type=cache,id=pv,target=/c,sharing=private mkdir /c/busy && sleep 1 && rmdir /c/busy && touch /p2

FROM ${bb()}
COPY --from=l1 /l1 /
COPY --from=l2 /l2 /
COPY --from=p1 /p1 /
COPY --from=p2 /p2 /
RUN --mount=type=cache,target=/s,from=seed,source=/data [ "$(cat /s/sub/s)" = seeded ]
`,
    });
    const dest = await w.tempPath('out');
    const r = await w.buildctl(buildArgs(ctx, '--output', `type=local,dest=${dest}`));
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual((await readdir(dest)).filter((n) => /^[lp][12]$/.test(n)).sort(), ['l1', 'l2', 'p1', 'p2']);
  });

  test('bind mounts: context (read-only, .dockerignore applied), a stage read-write with changes discarded; tmpfs', async () => {
    const ctx = await w.makeDir({
      Dockerfile: `FROM ${bb()} AS tools
RUN mkdir /tools && echo tool > /tools/t

FROM ${bb()}
WORKDIR /w
RUN --mount=target=ctx [ "$(cat ctx/dir/a.txt)" = A ] && [ ! -e ctx/secret.key ] && ! touch ctx/new 2>/dev/null
RUN --mount=source=dir,target=/d,rw echo changed > /d/a.txt && [ "$(cat /d/a.txt)" = changed ] && touch /d/new
RUN --mount=source=dir/a.txt,target=/one.txt [ "$(cat /one.txt)" = A ]
RUN --mount=from=tools,source=/tools,target=/opt/tools,rw [ "$(cat /opt/tools/t)" = tool ] && rm /opt/tools/t && echo x > /opt/tools/y
RUN --mount=from=tools,source=/tools,target=/opt/tools [ "$(cat /opt/tools/t)" = tool ] && [ ! -e /opt/tools/y ]
RUN --mount=type=tmpfs,target=/scratch,size=2m [ "$(stat -f -c %T /scratch)" = tmpfs ] && df -k /scratch | grep -q ' 2048 ' && echo big > /scratch/f
RUN [ ! -e /w/ctx ] && [ ! -e /d ] && [ ! -e /one.txt ] && [ ! -e /opt/tools ] && [ ! -e /scratch ] && [ "$(ls /opt 2>/dev/null)" = "" ]
`,
      '.dockerignore': 'secret.key\n',
      'dir/a.txt': 'A',
      'secret.key': 'do not show',
    });
    const dest = await w.tempPath('out');
    const r = await w.buildctl(buildArgs(ctx, '--output', `type=local,dest=${dest}`));
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await readdir(path.join(dest, 'w')), []);
    assert.ok(!(await readdir(dest)).includes('d'));
    assert.equal(await readFile(path.join(ctx, 'dir/a.txt'), 'utf8'), 'A', 'a rw bind of the context never writes to it');
  });

  test('a RUN with a context bind re-runs when a bound file changes, not when another file does', async () => {
    const root = await w.ownedDir('buildctl-root-');
    const ctx = await w.makeDir({
      Dockerfile: `FROM ${bb()}\nRUN --mount=source=in.txt,target=/in.txt echo "saw $(cat /in.txt)"\n`,
      'in.txt': 'v1', 'other.txt': 'o1',
    });
    const env = { BUILDKITD_FLAGS: `--root ${root}` };
    const build = async (n: string) => {
      const r = await w.buildctl(buildArgs(ctx, '--output', await out(n)), { env });
      assert.equal(r.code, 0, r.stderr);
      return r.stderr;
    };
    assert.match(await build('1'), /^#\d+ [0-9.]+ saw v1$/m);
    await writeFile(path.join(ctx, 'other.txt'), 'o2');
    assert.match(await build('2'), /RUN --mount=source=in.txt.*\n#\d+ CACHED$/m);
    await writeFile(path.join(ctx, 'in.txt'), 'v2');
    assert.match(await build('3'), /^#\d+ [0-9.]+ saw v2$/m);
  });
});
