/**
 * --output type=image,push=true end to end, root and rootless, against real docker-registry instances: the
 * quoted multi-name form, --metadata-file keys, base layers mounted (never re-uploaded) from the base image's
 * repository, push-by-digest, dangling-name-prefix, oci-mediatypes and the annotation forms; every pushed
 * image is read back with skopeo and built FROM again, asserting its content from inside that build.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { testEnv } from '../helpers/env.js';
import { startRegistry, type RunningRegistry } from '../helpers/registry.js';
import { buildArgs, run } from './helpers.js';
import { testWorkers } from './workers.js';

interface Inspected { Digest: string; Layers: string[]; RepoTags: string[] }

async function inspect(ref: string): Promise<Inspected> {
  return JSON.parse(await run('skopeo', ['inspect', '--tls-verify=false', `docker://${ref}`])) as Inspected;
}

async function rawManifest(host: string, repo: string, reference: string): Promise<{ status: number; body: Record<string, unknown> | undefined }> {
  const res = await fetch(`http://${host}/v2/${repo}/manifests/${reference}`, {
    headers: { accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json' },
  });
  return { status: res.status, body: res.ok ? (await res.json()) as Record<string, unknown> : undefined };
}

for (const w of testWorkers()) describe(w.name, () => {
  let reg: RunningRegistry;
  before(async () => { reg = await startRegistry(); });
  after(async () => { await reg.stop(); });
  const env = (): ReturnType<typeof testEnv> => testEnv();

  test('two quoted names, metadata file, base layer mounted from its repository, then FROM the pushed image', async () => {
    const shared = env().registry;
    const repo = `push-e2e/${w.name}-${randomBytes(4).toString('hex')}`;
    const ctx = await w.makeDir({ Dockerfile: `FROM ${env().images.busybox}\nRUN echo pushed > /pushed.txt\n` });
    const meta = await w.tempPath('meta.json');
    const names = `${shared}/${repo}:v1,${shared}/${repo}-b:v2`;
    const r = await w.buildctl(buildArgs(ctx, '--output', `type=image,"name=${names}",push=true`, '--metadata-file', meta));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`pushing layers for ${shared}/${repo}:v1: 2 uploaded, 1 mounted, 0 already there`), 'base layer mounted, config and new layer uploaded');
    assert.match(r.stderr, new RegExp(`pushing layers for ${shared}/${repo}-b:v2: 0 uploaded, 3 mounted`), 'the second name mounts everything from the first');

    const md = JSON.parse(await readFile(meta, 'utf8')) as Record<string, unknown>;
    assert.deepEqual(Object.keys(md).sort(), ['containerimage.config.digest', 'containerimage.descriptor', 'containerimage.digest', 'image.name']);
    assert.equal(md['image.name'], names);
    const digest = md['containerimage.digest'] as string;
    assert.deepEqual(md['containerimage.descriptor'], {
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json', digest, size: (md['containerimage.descriptor'] as { size: number }).size,
      platform: { architecture: 'amd64', os: 'linux' },
    });
    const a = await inspect(`${shared}/${repo}:v1`);
    const b = await inspect(`${shared}/${repo}-b:v2`);
    assert.equal(a.Digest, digest);
    assert.equal(b.Digest, digest);
    const base = await inspect(env().images.busybox);
    assert.equal(a.Layers[0], base.Layers[0], 'the base layer blob is pushed as it is, not recompressed');
    const cfg = JSON.parse(await run('skopeo', ['inspect', '--tls-verify=false', '--config', `docker://${shared}/${repo}:v1`])) as { rootfs: { diff_ids: string[] } };
    assert.equal(cfg.rootfs.diff_ids.length, 2);
    assert.equal((md['containerimage.config.digest'] as string).startsWith('sha256:'), true);

    const again = await w.makeDir({ Dockerfile: `FROM ${shared}/${repo}-b:v2\nRUN [ "$(cat /pushed.txt)" = pushed ] && echo ok > /again\n` });
    const r2 = await w.buildctl(buildArgs(again, '--output', `type=image,name=${shared}/${repo}-c:again,push=true`));
    assert.equal(r2.code, 0, r2.stderr);
    assert.match(r2.stderr, /2 uploaded, 2 mounted, 0 already there/, 'both base layers mounted from the pushed repository');
    const c = await inspect(`${shared}/${repo}-c:again`);
    assert.deepEqual(c.Layers.slice(0, 2), a.Layers);
  });

  test('push-by-digest: manifest under its digest only; dangling-name-prefix names it prefix@digest', async () => {
    const ctx = await w.makeDir({ Dockerfile: `FROM ${env().images.busybox}\nRUN echo bd > /bd\n` });
    const meta = await w.tempPath('meta.json');
    const r = await w.buildctl(buildArgs(ctx, '--output', `type=image,name=${reg.host}/bydigest/img,push=true,push-by-digest=true`, '--metadata-file', meta));
    assert.equal(r.code, 0, r.stderr);
    const md = JSON.parse(await readFile(meta, 'utf8')) as Record<string, string>;
    assert.equal(md['image.name'], `${reg.host}/bydigest/img`);
    assert.equal((await rawManifest(reg.host, 'bydigest/img', md['containerimage.digest']!)).status, 200);
    assert.equal((await rawManifest(reg.host, 'bydigest/img', 'latest')).status, 404, 'no tag was pushed');

    const meta2 = await w.tempPath('meta.json');
    const r2 = await w.buildctl(buildArgs(ctx, '--output', `type=image,dangling-name-prefix=${reg.host}/dangling/img,push=true`, '--metadata-file', meta2));
    assert.equal(r2.code, 0, r2.stderr);
    const md2 = JSON.parse(await readFile(meta2, 'utf8')) as Record<string, string>;
    assert.equal(md2['image.name'], `${reg.host}/dangling/img@${md2['containerimage.digest']!}`);
    assert.equal((await rawManifest(reg.host, 'dangling/img', md2['containerimage.digest']!)).status, 200);
  });

  test('oci-mediatypes and annotations: plain, platform-qualified (ours and another), manifest-descriptor', async () => {
    const ctx = await w.makeDir({ Dockerfile: `FROM ${env().images.busybox}\nRUN echo a > /a\n` });
    const meta = await w.tempPath('meta.json');
    const r = await w.buildctl(buildArgs(ctx, '--output', [
      `type=image,name=${reg.host}/annotated/img:v1,push=true,oci-mediatypes=true`,
      'annotation.org.opencontainers.image.title=plain', 'annotation-manifest[linux/amd64].com.example.mine=amd64',
      'annotation-manifest[linux/arm64].com.example.other=arm64', 'annotation-manifest.com.example.both=yes',
      'annotation-manifest-descriptor.com.example.desc=d',
    ].join(','), '--metadata-file', meta));
    assert.equal(r.code, 0, r.stderr);
    const m = await rawManifest(reg.host, 'annotated/img', 'v1');
    assert.equal(m.body?.['mediaType'], 'application/vnd.oci.image.manifest.v1+json');
    assert.deepEqual(m.body?.['annotations'], { 'com.example.both': 'yes', 'com.example.mine': 'amd64', 'org.opencontainers.image.title': 'plain' });
    for (const l of m.body?.['layers'] as Array<{ mediaType: string }>) assert.equal(l.mediaType, 'application/vnd.oci.image.layer.v1.tar+gzip');
    const md = JSON.parse(await readFile(meta, 'utf8')) as Record<string, { annotations?: Record<string, string> }>;
    assert.deepEqual(md['containerimage.descriptor']?.annotations, { 'com.example.desc': 'd' });
  });
});
