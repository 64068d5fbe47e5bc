/**
 * Layer compression end to end over the worker matrix: compression=gzip|zstd|uncompressed, compression-level,
 * force-compression (base image blobs are reused as pulled unless forced), and an unknown output key refused
 * with one line.
 */
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { testEnv } from '../helpers/env.js';
import { buildArgs, run } from './helpers.js';
import { listLayer, theImage, untarLayout } from './out-helpers.js';
import { testWorkers } from './workers.js';

const MT = {
  gzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  zstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  uncompressed: 'application/vnd.oci.image.layer.v1.tar',
};

for (const w of testWorkers()) describe(w.name, () => {
  let ctx: string;
  let baseLayer: string;

  before(async () => {
    const env = testEnv();
    ctx = await w.makeDir({ Dockerfile: `FROM ${env.images.busybox}\nRUN seq 1 100000 > /seq && cp /bin/busybox /bb && echo done > /done\n` });
    const index = JSON.parse(await readFile(path.join(env.layouts.busybox, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
    const m = JSON.parse(await readFile(path.join(env.layouts.busybox, 'blobs/sha256', index.manifests[0]!.digest.slice(7)), 'utf8')) as { layers: { digest: string }[] };
    baseLayer = m.layers[0]!.digest;
  });

  test('zstd, forced zstd and uncompressed from one build; the base blob is reused unless forced', async () => {
    const out = await w.ownedDir('out-compression-');
    const p = (n: string): string => path.join(out, n);
    const r = await w.buildctl(buildArgs(ctx,
      '--output', `type=oci,dest=${p('zstd.tar')},compression=zstd`,
      '--output', `type=oci,dest=${p('forced.tar')},compression=zstd,force-compression=true`,
      '--output', `type=oci,dest=${p('raw.tar')},compression=uncompressed`,
      '--output', `type=docker,dest=${p('docker-zstd.tar')},compression=zstd`));
    assert.equal(r.code, 0, r.stderr);

    const zl = await untarLayout(p('zstd.tar'));
    const z = await theImage(zl);
    assert.deepEqual(z.manifest.layers.map((l) => l.mediaType), [MT.gzip, MT.zstd]);
    assert.equal(z.manifest.layers[0]!.digest, baseLayer, 'base layer reused as pulled');
    assert.match(await listLayer(zl, z.manifest.layers[1]!.digest), / seq\n/);
    const magic = (await zl.blob(z.manifest.layers[1]!.digest)).subarray(0, 4);
    assert.deepEqual([...magic], [0x28, 0xb5, 0x2f, 0xfd], 'a zstd frame');

    const fl = await untarLayout(p('forced.tar'));
    const f = await theImage(fl);
    assert.deepEqual(f.manifest.layers.map((l) => l.mediaType), [MT.zstd, MT.zstd]);
    assert.notEqual(f.manifest.layers[0]!.digest, baseLayer);
    assert.equal(f.manifest.layers[1]!.digest, z.manifest.layers[1]!.digest, 'the new layer was compressed once for both outputs');
    assert.deepEqual(f.config.rootfs.diff_ids, z.config.rootfs.diff_ids, 'same content, other compression');
    assert.match(await listLayer(fl, f.manifest.layers[0]!.digest), / bin\/busybox\n/);

    const ul = await untarLayout(p('raw.tar'));
    const u = await theImage(ul);
    assert.deepEqual(u.manifest.layers.map((l) => l.mediaType), [MT.gzip, MT.uncompressed]);
    assert.equal(u.manifest.layers[1]!.digest, u.config.rootfs.diff_ids[1], 'an uncompressed blob is its diff_id');

    // docker output with zstd switches to OCI media types, as BuildKit does
    const d = await theImage(await untarLayout(p('docker-zstd.tar')));
    assert.equal(d.manifest.mediaType, 'application/vnd.oci.image.manifest.v1+json');
    assert.equal(d.manifest.layers[1]!.digest, z.manifest.layers[1]!.digest);
    // skopeo reads the zstd image
    const inspect = JSON.parse(await run('skopeo', ['inspect', `oci-archive:${p('zstd.tar')}`])) as { Layers: string[] };
    assert.deepEqual(inspect.Layers, z.manifest.layers.map((l) => l.digest));
  });

  test('compression-level: gzip 9 makes a smaller new layer than gzip 1', async () => {
    const sizes: number[] = [];
    for (const level of [1, 9]) {
      const dest = await w.tempPath(`l${level}.tar`);
      const r = await w.buildctl(buildArgs(ctx, '--output', `type=oci,dest=${dest},compression=gzip,compression-level=${level}`));
      assert.equal(r.code, 0, r.stderr);
      const img = await theImage(await untarLayout(dest));
      sizes.push(img.manifest.layers[1]!.size);
    }
    assert.ok(sizes[1]! < sizes[0]!, `level 9 (${sizes[1]}) smaller than level 1 (${sizes[0]})`);
  });

  test('an unknown output key: one line with a did-you-mean, non-zero exit, no output', async () => {
    const dest = await w.tempPath('never.tar');
    const r = await w.buildctl(buildArgs(ctx, '--output', `type=oci,dest=${dest},compresion=zstd`));
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /unknown key "compresion" in --output type=oci \(did you mean "compression"\?\)/);
    assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
    assert.doesNotMatch(r.stderr, /^#\d+ /m, 'refused before the build starts');
    const bad = await w.buildctl(buildArgs(ctx, '--output', `type=oci,dest=${dest},compression=zstd,compression-level=23`));
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /compression-level=23 .*zstd levels go from 0 to 22/);
    const epoch = await w.buildctl(buildArgs(ctx, '--output', `type=oci,dest=${dest},source-date-epoch=yesterday`));
    assert.notEqual(epoch.code, 0);
    assert.match(epoch.stderr, /invalid value "yesterday" for "source-date-epoch"/);
  });
});
