/** The converter's image config, history and stage semantics against what BuildKit writes (dockerfile2llb). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convertDockerfile, type ConvertOptions } from '../../../src/frontend/dockerfile/convert/convert.js';
import { parseNamedContexts, contextKeys } from '../../../src/frontend/dockerfile/convert/named-context.js';
import { parsePlatform } from '../../../src/frontend/dockerfile/convert/platform.js';
import { formatGoDuration, parseGoDuration } from '../../../src/frontend/dockerfile/instructions/duration.js';
import { BuildError } from '../../../src/errors.js';
import type { ImageConfig } from '../../../src/oci/schemas.js';

const BASE: ImageConfig = {
  architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: ['sha256:' + 'a'.repeat(64)] },
  config: { Env: ['PATH=/bin'], Cmd: ['/bin/sh'], Labels: { base: 'yes' }, OnBuild: ['RUN echo from-trigger', 'ENV TRIGGERED=1'] },
  history: [{ created_by: 'base layer' }],
};

function convert(dockerfile: string, extra: Partial<ConvertOptions> = {}) {
  return convertDockerfile({
    dockerfile, file: 'Dockerfile', buildArgs: new Map(), excludePatterns: [], created: '2024-01-01T00:00:00Z',
    resolveImage: async (ref) => ({ pinned: `docker.io/library/${ref}@sha256:${'b'.repeat(64)}`, config: structuredClone(BASE) }),
    ...extra,
  });
}

const createdBy = (img: ImageConfig): string[] => (img.history ?? []).map((h) => `${h.created_by}${h.empty_layer ? ' (empty)' : ''}`);

test('config-only instructions: history texts and config fields as BuildKit writes them', async () => {
  const r = await convert(`FROM scratch
SHELL ["/bin/bash", "-c"]
HEALTHCHECK --interval=1m30s --timeout=3s --retries=2 CMD curl -f http://x/
STOPSIGNAL SIGKILL
VOLUME /a /b
EXPOSE 80 53/udp 7000-7001
LABEL k=v
CMD echo hi
WORKDIR /
ONBUILD RUN echo later
`);
  assert.deepEqual(createdBy(r.image), [
    'SHELL [/bin/bash -c] (empty)',
    'HEALTHCHECK {Test:[CMD-SHELL curl -f http://x/] Interval:1m30s Timeout:3s StartPeriod:0s StartInterval:0s Retries:2} (empty)',
    'STOPSIGNAL SIGKILL (empty)',
    'VOLUME [/a /b] (empty)',
    'EXPOSE [80/tcp 53/udp 7000/tcp 7001/tcp] (empty)',
    'LABEL k=v (empty)',
    'CMD ["/bin/bash" "-c" "echo hi"] (empty)',
    'WORKDIR / (empty)',
  ]);
  const c = r.image.config!;
  assert.deepEqual(c.Healthcheck, { Test: ['CMD-SHELL', 'curl -f http://x/'], Interval: 90e9, Timeout: 3e9, Retries: 2 });
  assert.equal(c.ArgsEscaped, true);
  assert.deepEqual(c.OnBuild, ['RUN echo later']);
  assert.deepEqual(Object.keys(c.ExposedPorts!).sort(), ['53/udp', '7000/tcp', '7001/tcp', '80/tcp']);
  assert.deepEqual(c.Env, ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin']);
});

test('ENTRYPOINT drops an inherited CMD but keeps one set earlier in the stage; labels are inherited', async () => {
  const a = await convert('FROM base\nENTRYPOINT ["/e"]\n');
  assert.equal(a.image.config!.Cmd, undefined);
  assert.deepEqual(a.image.config!.Labels, { base: 'yes' });
  const b = await convert('FROM base\nCMD ["c"]\nENTRYPOINT ["/e"]\n');
  assert.deepEqual(b.image.config!.Cmd, ['c']);
});

test('ONBUILD triggers of the base image run first in the child, then leave the config', async () => {
  const r = await convert('FROM base\nRUN echo mine\n');
  assert.deepEqual(createdBy(r.image).slice(1), ['RUN /bin/sh -c echo from-trigger # buildkit', 'ENV TRIGGERED=1 (empty)', 'RUN /bin/sh -c echo mine # buildkit']);
  assert.equal(r.image.config!.OnBuild, undefined);
  const names = [...r.definition.metadata.values()].map((m) => m.description ?? '');
  assert.ok(names.includes('[2/4] ONBUILD RUN echo from-trigger'), names.join('\n'));
});

test('ONBUILD in a stage runs in a stage built FROM it, not in the stage itself', async () => {
  const r = await convert('FROM scratch AS p\nONBUILD ENV X=1\nFROM p\n');
  assert.deepEqual(r.image.config!.Env?.includes('X=1'), true);
  assert.equal(r.image.config!.OnBuild, undefined);
});

test('ARG scoping: a global ARG reaches FROM only; redeclared it inherits; child stages inherit stage ARGs', async () => {
  const r = await convert('ARG V=1\nARG IMG=base\nFROM $IMG AS p\nARG P=2\nRUN echo $V\nFROM p\nARG V\nLABEL v=$V p=$P img=${IMG:-unset}\n', { buildArgs: new Map([['P', '3']]) });
  assert.deepEqual(r.image.config!.Labels, { base: 'yes', v: '1', p: '3', img: 'unset' });
  assert.ok(createdBy(r.image).includes('ARG V=1 (empty)'));
});

test('predefined platform ARGs and TARGETSTAGE', async () => {
  const r = await convert('FROM scratch AS t\nARG TARGETPLATFORM\nARG BUILDARCH\nARG TARGETSTAGE\nLABEL p=$TARGETPLATFORM a=$BUILDARCH s=$TARGETSTAGE\n');
  assert.deepEqual(r.image.config!.Labels, { p: 'linux/amd64', a: 'amd64', s: 't' });
});

test('EXPOSE splits an expanded variable into ports; MAINTAINER is not expanded', async () => {
  const r = await convert('FROM scratch\nENV PORTS="80 443"\nEXPOSE $PORTS\nMAINTAINER $NOPE\n');
  assert.deepEqual(Object.keys(r.image.config!.ExposedPorts!).sort(), ['443/tcp', '80/tcp']);
  assert.equal(r.image.author, '$NOPE');
});

test('errors name the Dockerfile line and its text', async () => {
  const cases: [string, RegExp, number][] = [
    ['FROM scratch\nSTOPSIGNAL NOPE\n', /invalid signal: NOPE/, 2],
    ['FROM scratch\nEXPOSE 80/xyz\n', /invalid proto: xyz/, 2],
    ['FROM --platform=linux/arm64 scratch\n', /linux\/amd64 only/, 1],
    ['FROM scratch\nHEALTHCHECK --interval=10us CMD true\n', /cannot be less than 1ms/, 2],
    ['FROM scratch\nCOPY --from=$X a b\n', /variable expansion is not supported for --from/, 2],
    ['FROM scratch\nCOPY --form=x a b\n', /unknown flag: --form \(did you mean --from\?\)/, 2],
  ];
  for (const [df, re, line] of cases) {
    const e = await convert(df).then(() => undefined, (err: unknown) => err);
    assert.ok(e instanceof BuildError, `${df}: ${String(e)}`);
    assert.match(e.message, re);
    assert.equal(e.location?.line, line, df);
    assert.equal(e.location?.file, 'Dockerfile');
    assert.ok((e.location?.text ?? '').length > 0, `no line text for ${df}`);
  }
});

test('build checks: rules, messages, skip and error config', async () => {
  const df = '# check=skip=StageNameCasing\nFROM scratch as Build\nCMD echo\nCMD ["x"]\nENV SECRET_TOKEN=x\nWORKDIR rel\n';
  const r = await convert(df);
  assert.deepEqual(r.warnings.map((w) => `${w.rule}:${w.startLine}`), [
    'FromAsCasing:2', 'JSONArgsRecommended:3', 'MultipleInstructionsDisallowed:3', 'SecretsUsedInArgOrEnv:5', 'WorkdirRelativePath:6',
  ]);
  assert.equal(r.warnings[0]!.message, "'as' and 'FROM' keywords' casing do not match");
  assert.equal(r.warnings[0]!.url, 'https://docs.docker.com/go/dockerfile/rule/from-as-casing/');
  assert.equal(r.lintError, undefined);
  const e = await convert(df.replace('skip=StageNameCasing', 'skip=all;error=true'));
  assert.equal(e.warnings.length, 0);
  const f = await convert(df.replace('skip=StageNameCasing', 'error=true'));
  assert.match(f.lintError ?? '', /^lint violation found for rules: StageNameCasing, FromAsCasing/);
});

test('named contexts: values and the names they are looked up under', () => {
  const m = parseNamedContexts(new Map([['context:alpine', 'docker-image://busybox:1'], ['context:x', 'local:dir'], ['context:y', 'oci-layout://store:v1'], ['target', 'z']]));
  assert.deepEqual([...m], [['alpine', { kind: 'docker-image', ref: 'busybox:1' }], ['x', { kind: 'local', name: 'dir' }], ['y', { kind: 'oci-layout', store: 'store', ref: ':v1' }]]);
  assert.deepEqual(contextKeys('docker.io/library/alpine:latest'), ['alpine::linux/amd64', 'alpine']);
  assert.throws(() => parseNamedContexts(new Map([['context:a', 'git://x/y']])), /unsupported context source git/);
});

test('platforms and Go durations', () => {
  assert.deepEqual(parsePlatform('linux/x86_64'), { os: 'linux', architecture: 'amd64' });
  assert.deepEqual(parsePlatform('arm64'), { os: 'linux', architecture: 'arm64' });
  assert.equal(parseGoDuration('1m30s'), 90e9);
  assert.equal(parseGoDuration('1.5h'), 5400e9);
  assert.equal(parseGoDuration('10'), undefined);
  assert.equal(formatGoDuration(3600e9), '1h0m0s');
  assert.equal(formatGoDuration(1.5e9), '1.5s');
  assert.equal(formatGoDuration(5e8), '500ms');
});

test('RUN --mount from=STAGE is a stage dependency: it pulls the stage in, and a cycle through it is refused', async () => {
  const cycle = await convert('FROM busybox AS a\nRUN --mount=from=b,target=/x true\nFROM busybox AS b\nCOPY --from=a /a /a\n')
    .then(() => undefined, (e: unknown) => e);
  assert.ok(cycle instanceof BuildError);
  assert.match(cycle.message, /circular dependency detected on stage: a/);
  const r = await convert('FROM busybox AS tools\nRUN touch /t\nFROM busybox\nRUN --mount=from=tools,target=/tools ls /tools\n');
  assert.ok([...r.definition.ops.values()].some((o) => o.op.kind === 'exec' && o.op.meta.args.join(' ').includes('touch /t')), 'the tools stage is built');
});
