/**
 * Outputs end to end over the worker matrix: type=docker (loaded by a real `docker load` when test-setup could
 * start dockerd, else checked against docker's archive format), type=oci as a tarball and as a layout directory
 * (read by skopeo), type=tar and type=local, all from ONE build with several --output flags; dest=- streams to
 * stdout.
 */
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { testEnv } from '../helpers/env.js';
import { buildArgs, run } from './helpers.js';
import { docker, layoutAt, listLayer, testDockerHost, theImage, untarLayout, type Layout } from './out-helpers.js';
import { testWorkers } from './workers.js';

const DOCKER_LAYER = 'application/vnd.docker.image.rootfs.diff.tar.gzip';
const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip';

for (const w of testWorkers()) describe(w.name, () => {
  let ctx: string;
  const name = `out-test/${w.name}:archives`;

  before(async () => {
    ctx = await w.makeDir({
      Dockerfile: `FROM ${testEnv().images.busybox}\nRUN echo hi > /hello && mkdir /d && echo x > /d/f\nCOPY a.txt /a.txt\nENV OUT=1\nCMD ["cat", "/hello"]\n`,
      'a.txt': 'from the context\n',
    });
  });

  test('one build, several outputs: docker, oci tarball, oci layout dir, tar and local', async (t) => {
    const out = await w.ownedDir('out-archives-');
    const p = (n: string): string => path.join(out, n);
    const r = await w.buildctl(buildArgs(ctx,
      '--output', `type=docker,dest=${p('docker.tar')},name=${name}`,
      '--output', `type=oci,dest=${p('oci.tar')},name=${name}`,
      '--output', `type=oci,tar=false,dest=${p('layout')},name=${name}`,
      '--output', `type=tar,dest=${p('fs.tar')}`,
      '--output', `type=local,dest=${p('local')}`));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /exporting to docker image format/);
    assert.match(r.stderr, /exporting to oci image format/);

    // docker: the OCI layout plus manifest.json with the familiar name, docker media types
    const d = await untarLayout(p('docker.tar'));
    const dImg = await theImage(d);
    assert.equal(dImg.manifest.mediaType, 'application/vnd.docker.distribution.manifest.v2+json');
    assert.deepEqual(dImg.manifest.layers.map((l) => l.mediaType), [DOCKER_LAYER, DOCKER_LAYER, DOCKER_LAYER]);
    await checkDockerManifestJson(d, `${name}`);
    assert.equal(dImg.entry.annotations?.['io.containerd.image.name'], `docker.io/${name}`);

    // oci tarball and layout dir: the same manifest; skopeo reads both
    const o = await untarLayout(p('oci.tar'));
    const oImg = await theImage(o);
    const lImg = await theImage(layoutAt(p('layout')));
    assert.equal(oImg.entry.digest, lImg.entry.digest);
    assert.deepEqual(oImg.manifest.layers.map((l) => l.mediaType), [OCI_LAYER, OCI_LAYER, OCI_LAYER]);
    assert.equal(oImg.entry.annotations?.['org.opencontainers.image.ref.name'], 'archives');
    // every layer was compressed once for the build: docker and oci outputs share the blobs
    assert.deepEqual(dImg.manifest.layers.map((l) => l.digest), oImg.manifest.layers.map((l) => l.digest));
    assert.match(await listLayer(o, oImg.manifest.layers[1]!.digest), /d\/f\n/);
    const inspect = JSON.parse(await run('skopeo', ['inspect', `oci-archive:${p('oci.tar')}`])) as { Layers: string[]; Env: string[] };
    assert.equal(inspect.Layers.length, 3);
    assert.ok(inspect.Env.includes('OUT=1'));
    const inspectDir = JSON.parse(await run('skopeo', ['inspect', `oci:${p('layout')}:archives`])) as { Digest: string };
    assert.equal(inspectDir.Digest, lImg.entry.digest);

    // tar and local: the filesystem
    assert.match(await run('tar', ['-tf', p('fs.tar')]), /^hello$/m);
    assert.equal(await readFile(p('local/a.txt'), 'utf8'), 'from the context\n');
    assert.equal((await stat(p('local/hello'))).uid, w.localUid(0));

    // docker load, when the test setup could start a docker daemon
    const host = testDockerHost();
    if (host === undefined) {
      t.diagnostic('no test docker daemon: docker tarball checked structurally only');
      return;
    }
    const loaded = await docker(host, ['load', '-i', p('docker.tar')]);
    assert.match(loaded, new RegExp(`Loaded image: ${name}`));
    const [info] = JSON.parse(await docker(host, ['image', 'inspect', name])) as { Id: string; RepoTags: string[]; Config: { Cmd: string[]; Env: string[] }; RootFS: { Layers: string[] } }[];
    assert.equal(info!.Id, dImg.manifest.config.digest);
    assert.deepEqual(info!.RepoTags, [name]);
    assert.deepEqual(info!.Config.Cmd, ['cat', '/hello']);
    assert.deepEqual(info!.RootFS.Layers, dImg.config.rootfs.diff_ids);
    assert.equal(await docker(host, ['run', '--rm', '--network', 'none', name]), 'hi\n');
    await docker(host, ['image', 'rm', name]);
  });

  test('dest=- streams the OCI tarball to stdout; progress stays on stderr', async () => {
    const r = await w.buildctl(buildArgs(ctx, '--output', 'type=oci,dest=-'));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /sending tarball/);
    const file = await w.tempPath('stdout.tar');
    await writeFile(file, r.stdout);
    const img = await theImage(await untarLayout(file));
    assert.equal(img.manifest.layers.length, 3);
    const inspect = JSON.parse(await run('skopeo', ['inspect', `oci-archive:${file}`])) as { Digest: string };
    assert.equal(inspect.Digest, img.entry.digest);
  });
});

/** docker's archive format: manifest.json = [{Config, RepoTags, Layers}] with paths of files in the archive. */
async function checkDockerManifestJson(l: Layout, familiar: string): Promise<void> {
  const mj = await l.json<{ Config: string; RepoTags: string[]; Layers: string[] }[]>('manifest.json');
  assert.equal(mj.length, 1);
  assert.deepEqual(mj[0]!.RepoTags, [familiar]);
  const img = await theImage(l);
  assert.equal(mj[0]!.Config, `blobs/sha256/${img.manifest.config.digest.slice(7)}`);
  assert.deepEqual(mj[0]!.Layers, img.manifest.layers.map((x) => `blobs/sha256/${x.digest.slice(7)}`));
  for (const f of [mj[0]!.Config, ...mj[0]!.Layers]) assert.ok((await stat(path.join(l.dir, f))).isFile(), f);
}
