/**
 * The Dockerfile frontend end to end, as root and rootless: ONBUILD triggers, ARG scoping and predefined ARGs
 * asserted from inside the build; the image config and history compared with what BuildKit writes; build
 * checks after a build and with --opt call=check; named contexts (docker-image, local, oci-layout); syntax.
 */
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { testEnv } from '../helpers/env.js';
import { buildArgs, run } from './helpers.js';
import { testWorkers } from './workers.js';

interface Config { config: Record<string, unknown>; history: { created_by: string; empty_layer?: boolean }[]; author?: string }

async function imageConfig(archive: string): Promise<Config> {
  return JSON.parse(await run('skopeo', ['inspect', '--config', '--raw', `oci-archive:${archive}`])) as Config;
}

for (const w of testWorkers()) describe(`${w.name} frontend`, () => {
  const env = testEnv();
  let ctx: string;

  before(async () => {
    ctx = await w.makeDir({
      Dockerfile: `# syntax=docker/dockerfile:1.7-labs
ARG BASE=${env.images.busybox}
ARG ONLY_GLOBAL=g
FROM $BASE AS parent
ONBUILD RUN echo triggered > /onbuild.txt
ONBUILD ENV FROM_TRIGGER=yes
ARG PARENT_ARG=p1
ENV KEEP=1

FROM parent AS child
ARG TARGETPLATFORM
ARG BUILDARCH
RUN [ -f /onbuild.txt ] && [ "$FROM_TRIGGER" = yes ] && [ "$PARENT_ARG" = p1 ] && [ -z "$ONLY_GLOBAL" ] \\
 && [ "$TARGETPLATFORM" = linux/amd64 ] && [ "$BUILDARCH" = amd64 ] && [ "$KEEP" = 1 ]
LABEL org.example.v="1"
EXPOSE 80 53/udp
HEALTHCHECK --interval=30s --retries=3 CMD true
STOPSIGNAL SIGTERM
SHELL ["/bin/sh", "-c"]
VOLUME /data
WORKDIR /app
USER 1000
CMD echo hi
ENTRYPOINT ["/bin/sh"]
`,
    });
  });

  test('ONBUILD, ARG scope, predefined ARGs; config and history as BuildKit writes them', async () => {
    const dest = await w.tempPath('img.tar');
    const r = await w.buildctl(buildArgs(ctx, '--output', `type=oci,dest=${dest}`));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /\[child 1\/4\] ONBUILD RUN echo triggered > \/onbuild.txt/);
    const img = await imageConfig(dest);
    assert.deepEqual(img.config, {
      User: '1000', ExposedPorts: { '53/udp': {}, '80/tcp': {} },
      Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'KEEP=1', 'FROM_TRIGGER=yes'],
      Entrypoint: ['/bin/sh'], Cmd: ['/bin/sh', '-c', 'echo hi'], Volumes: { '/data': {} }, WorkingDir: '/app', Labels: { 'org.example.v': '1' },
      StopSignal: 'SIGTERM', ArgsEscaped: true, Healthcheck: { Test: ['CMD-SHELL', 'true'], Interval: 30000000000, Retries: 3 },
      Shell: ['/bin/sh', '-c'],
    });
    const hist = img.history.slice(1).map((h) => `${h.created_by}${h.empty_layer ? ' (empty)' : ''}`);
    assert.deepEqual(hist.slice(0, 3), ['ARG PARENT_ARG=p1 (empty)', 'ENV KEEP=1 (empty)', 'RUN |1 PARENT_ARG=p1 /bin/sh -c echo triggered > /onbuild.txt # buildkit']);
    assert.ok(hist.includes('EXPOSE [80/tcp 53/udp] (empty)'), hist.join('\n'));
    assert.ok(hist.includes('HEALTHCHECK {Test:[CMD-SHELL true] Interval:30s Timeout:0s StartPeriod:0s StartInterval:0s Retries:3} (empty)'));
    assert.ok(hist.includes('SHELL [/bin/sh -c] (empty)'));
    assert.ok(hist.includes('VOLUME [/data] (empty)'));
    assert.ok(hist.includes('WORKDIR /app'));
    assert.ok(hist.includes('CMD ["/bin/sh" "-c" "echo hi"] (empty)'));
    assert.equal(hist.at(-1), 'ENTRYPOINT ["/bin/sh"] (empty)');
    // ONBUILD itself writes no history entry; a CMD set in the stage before ENTRYPOINT is kept
    assert.ok(!hist.some((h) => h.startsWith('ONBUILD')));
  });

  test('build checks are printed after the build; error=true fails it; call=check reports them', async () => {
    const dir = await w.makeDir({ Dockerfile: `FROM ${env.images.busybox} as Build\nCMD echo hi\nRUN true\n` });
    const ok = await w.buildctl(buildArgs(dir));
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stderr, /FromAsCasing: 'as' and 'FROM' keywords' casing do not match \(Dockerfile:1\)/);
    assert.match(ok.stderr, /JSONArgsRecommended: JSON arguments recommended for CMD to prevent unintended behavior related to OS signals \(Dockerfile:2\)/);
    const strict = await w.buildctl(buildArgs(dir, '--opt', 'build-arg:BUILDKIT_DOCKERFILE_CHECK=skip=StageNameCasing;error=true'));
    assert.notEqual(strict.code, 0);
    assert.match(strict.stderr, /lint violation found for rules: FromAsCasing, JSONArgsRecommended/);
    const check = await w.buildctl(['build', '--frontend', 'dockerfile.v0', '--local', `context=${dir}`, '--local', `dockerfile=${dir}`, '--opt', 'call=check']);
    assert.equal(check.code, 1, check.stderr);
    const out = check.stdout.toString();
    assert.match(out, /^Check complete, 3 warnings have been found!\n/);
    assert.match(out, /WARNING: JSONArgsRecommended - https:\/\/docs.docker.com\/go\/dockerfile\/rule\/json-args-recommended\/\n/);
    assert.match(out, /Dockerfile:2\n-{20}\n {3}1 \| {5}FROM .* as Build\n {3}2 \| >>> CMD echo hi\n/);
    const clean = await w.makeDir({ Dockerfile: `FROM ${env.images.busybox}\nCMD ["true"]\n` });
    const none = await w.buildctl(['build', '--frontend', 'dockerfile.v0', '--local', `context=${clean}`, '--local', `dockerfile=${clean}`, '--opt', 'call=check']);
    assert.equal(none.code, 0, none.stderr);
    assert.equal(none.stdout.toString(), 'Check complete, no warnings found.\n');
  });

  test('named contexts replace stage and image names in FROM and COPY --from', async () => {
    const dir = await w.makeDir({
      Dockerfile: `FROM alpine AS a
RUN echo from-a > /a.txt
FROM from-layout AS b
RUN echo from-b > /b.txt
FROM replaced AS r
RUN exit 1
FROM a
COPY --from=b /b.txt /
COPY --from=extra /e.txt /
COPY --from=r /bin/busybox /bb
RUN [ "$(cat /a.txt /b.txt /e.txt)" = "$(printf 'from-a\\nfrom-b\\nextra')" ] && [ -x /bb ]
`,
      'extra/e.txt': 'extra\n',
    });
    const dest = await w.tempPath('out');
    const r = await w.buildctl(buildArgs(dir, '--local', `extra=${path.join(dir, 'extra')}`, '--oci-layout', `lay=${env.layouts.busybox}`,
      '--opt', `context:alpine=docker-image://${env.images.busybox}`, '--opt', 'context:from-layout=oci-layout://lay:latest',
      '--opt', 'context:extra=local:extra', '--opt', 'context:r=oci-layout://lay', '--output', `type=local,dest=${dest}`));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await readFile(path.join(dest, 'b.txt'), 'utf8'), 'from-b\n');
    assert.doesNotMatch(r.stderr, /exit 1/);
  });

  test('a syntax other than docker/dockerfile is refused with its line', async () => {
    const dir = await w.makeDir({ Dockerfile: '# syntax=example.com/custom/frontend:1\nFROM scratch\n' });
    const r = await w.buildctl(buildArgs(dir));
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Dockerfile:1: unsupported Dockerfile frontend example.com\/custom\/frontend:1/);
  });
});
