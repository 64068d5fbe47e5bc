/**
 * --metadata-file as BuildKit writes it for oci/docker outputs, and reproducible images: SOURCE_DATE_EPOCH
 * (build arg, environment, or the source-date-epoch exporter key) sets created times; rewrite-timestamp=true
 * clamps file times of the new layers only; two builds in fresh state dirs give the same manifest digest.
 * Over the worker matrix.
 */
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { testEnv } from '../helpers/env.js';
import { buildArgs } from './helpers.js';
import { listLayer, theImage, untarLayout } from './out-helpers.js';
import { testWorkers } from './workers.js';

const EPOCH = 1000000000; // 2001-09-09T01:46:40Z: before the test images' files (2023), so only new layers change
const EPOCH_TIME = '2001-09-09T01:46:40Z';

interface Metadata {
  'containerimage.digest': string;
  'containerimage.config.digest': string;
  'containerimage.descriptor': { mediaType: string; digest: string; size: number; annotations: Record<string, string> };
  'image.name'?: string;
}

for (const w of testWorkers()) describe(w.name, () => {
  let ctx: string;
  let baseLayer: string;

  before(async () => {
    const env = testEnv();
    ctx = await w.makeDir({
      Dockerfile: `FROM ${env.images.busybox}\nRUN echo hi > /hello && mkdir /d && touch /d/f\nCOPY a.txt /a.txt\n`,
      'a.txt': 'context file\n',
    });
    const index = JSON.parse(await readFile(path.join(env.layouts.busybox, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
    const m = JSON.parse(await readFile(path.join(env.layouts.busybox, 'blobs/sha256', index.manifests[0]!.digest.slice(7)), 'utf8')) as { layers: { digest: string }[] };
    baseLayer = m.layers[0]!.digest;
  });

  async function build(output: string, extra: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<{ meta: Metadata; stderr: string }> {
    const meta = await w.tempPath('meta.json');
    const r = await w.buildctl(buildArgs(ctx, '--output', output, '--metadata-file', meta, ...extra), { env });
    assert.equal(r.code, 0, r.stderr);
    const text = await readFile(meta, 'utf8');
    return { meta: JSON.parse(text) as Metadata, stderr: r.stderr };
  }

  test('--metadata-file: digests, descriptor with its created annotation, normalised name, keys sorted', async () => {
    const dest = await w.tempPath('img.tar');
    const meta = await w.tempPath('meta.json');
    const r = await w.buildctl(buildArgs(ctx, '--output', `type=docker,dest=${dest},name=out-meta:1`, '--metadata-file', meta));
    assert.equal(r.code, 0, r.stderr);
    const text = await readFile(meta, 'utf8');
    const m = JSON.parse(text) as Metadata;
    assert.deepEqual(Object.keys(m), ['containerimage.config.digest', 'containerimage.descriptor', 'containerimage.digest', 'image.name']);
    const img = await theImage(await untarLayout(dest));
    assert.equal(m['containerimage.digest'], img.entry.digest);
    assert.equal(m['containerimage.config.digest'], img.manifest.config.digest);
    assert.deepEqual(Object.keys(m['containerimage.descriptor']), ['mediaType', 'digest', 'size', 'annotations']);
    assert.equal(m['containerimage.descriptor'].mediaType, 'application/vnd.docker.distribution.manifest.v2+json');
    assert.equal(m['containerimage.descriptor'].size, img.entry.size);
    assert.equal(m['containerimage.descriptor'].annotations['org.opencontainers.image.created'], img.entry.annotations?.['org.opencontainers.image.created']);
    assert.equal(m['image.name'], 'docker.io/library/out-meta:1');
    assert.match(text, /^\{\n {2}"containerimage\.config\.digest": "sha256:[0-9a-f]{64}",\n/);
  });

  test('SOURCE_DATE_EPOCH + rewrite-timestamp: same digest from fresh state dirs; new layers clamped, base layer reused', async () => {
    const dest = await w.tempPath('a.tar');
    const a = await build(`type=oci,dest=${dest},rewrite-timestamp=true`, ['--opt', `build-arg:SOURCE_DATE_EPOCH=${EPOCH}`]);
    await new Promise((r) => setTimeout(r, 1100)); // RUN files get another mtime second
    const b = await build(`type=oci,dest=${await w.tempPath('b.tar')},rewrite-timestamp=true`, ['--opt', `build-arg:SOURCE_DATE_EPOCH=${EPOCH}`]);
    assert.equal(a.meta['containerimage.digest'], b.meta['containerimage.digest']);
    // the environment variable does the same as the build arg
    const fromEnv = await build(`type=oci,dest=${await w.tempPath('e.tar')},rewrite-timestamp=true`, [], { SOURCE_DATE_EPOCH: String(EPOCH) });
    assert.equal(fromEnv.meta['containerimage.digest'], a.meta['containerimage.digest']);
    const none = await build(`type=oci,dest=${await w.tempPath('c.tar')},rewrite-timestamp=true`);
    assert.notEqual(none.meta['containerimage.digest'], a.meta['containerimage.digest'], 'without an epoch the digest differs');

    const l = await untarLayout(dest);
    const img = await theImage(l);
    assert.equal(img.entry.annotations?.['org.opencontainers.image.created'], EPOCH_TIME);
    assert.equal(a.meta['containerimage.descriptor'].annotations['org.opencontainers.image.created'], EPOCH_TIME);
    assert.equal(img.config.created, EPOCH_TIME);
    const history = img.config.history!;
    assert.equal(history[0]!.created, '2023-11-14T22:13:20Z', "the base image's history is kept");
    for (const h of history.slice(1)) assert.equal(h.created, EPOCH_TIME, h.created_by);
    // base layer: the registry's blob as it was; new layers: every file time is the epoch
    assert.equal(img.manifest.layers[0]!.digest, baseLayer);
    assert.match(await listLayer(l, baseLayer), / 2023-11-14 22:13:20 bin\/busybox\n/);
    for (const layer of img.manifest.layers.slice(1)) {
      const listing = await listLayer(l, layer.digest);
      for (const line of listing.trim().split('\n')) assert.match(line, / 2001-09-09 01:46:40 /, line);
    }
  });

  test('the source-date-epoch exporter key sets the epoch of that output', async () => {
    const a = await build(`type=oci,dest=${await w.tempPath('a.tar')},source-date-epoch=${EPOCH},rewrite-timestamp=true`);
    const b = await build(`type=oci,dest=${await w.tempPath('b.tar')},source-date-epoch=${EPOCH},rewrite-timestamp=true`);
    assert.equal(a.meta['containerimage.digest'], b.meta['containerimage.digest']);
    assert.equal(a.meta['containerimage.descriptor'].annotations['org.opencontainers.image.created'], EPOCH_TIME);
  });

  test('rewrite-timestamp without an epoch warns and changes nothing', async () => {
    const r = await build(`type=oci,dest=${await w.tempPath('a.tar')},rewrite-timestamp=true`);
    assert.match(r.stderr, /rewrite-timestamp=true has no effect without SOURCE_DATE_EPOCH/);
  });
});
