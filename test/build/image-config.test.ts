import { test } from 'node:test';
import assert from 'node:assert/strict';
import { epochTime, finalizeImageConfig } from '../../src/build/image-config.js';
import type { ImageConfig } from '../../src/oci/schemas.js';

const NOW = '2026-11-23T12:00:00.123Z';
const EPOCH = 1000000000;
const AT_EPOCH = '2001-09-09T01:46:40Z';

function config(): ImageConfig {
  return {
    architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [] },
    history: [
      { created: '1999-01-01T00:00:00Z', created_by: 'base layer 1' },
      { created: '2020-01-01T00:00:00Z', created_by: 'base layer 2' },
      { created: '2020-01-01T00:00:00Z', created_by: 'CMD base', empty_layer: true },
      { created: NOW, created_by: 'ENV A=1', empty_layer: true },
      { created: NOW, created_by: 'RUN x' },
      { created: NOW, created_by: 'RUN nothing' },
    ],
  };
}

test('epochTime is Go RFC 3339 without fractions', () => {
  assert.equal(epochTime(EPOCH), AT_EPOCH);
  assert.equal(epochTime(0), '1970-01-01T00:00:00Z');
});

test('without an epoch: created is the build time, empty layers marked, diff_ids set', () => {
  const img = finalizeImageConfig({ config: config(), layerEmpty: [false, false, false, true], diffIds: ['sha256:a', 'sha256:b', 'sha256:c'], created: NOW });
  assert.equal(img.created, NOW);
  assert.deepEqual(img.rootfs.diff_ids, ['sha256:a', 'sha256:b', 'sha256:c']);
  assert.equal(img.history![5]!.empty_layer, true);
  assert.equal(img.history![4]!.created, NOW);
});

test('with an epoch: entries after the base layers clamped, base entries kept, created clamped', () => {
  const img = finalizeImageConfig({ config: config(), layerEmpty: [false, false, false, false], diffIds: [], created: NOW, epoch: EPOCH, baseLayers: 2 });
  assert.deepEqual(img.history!.map((h) => h.created), [
    '1999-01-01T00:00:00Z', // base, before the epoch anyway
    '2020-01-01T00:00:00Z', // base, after the epoch: kept (the base image's history is not rewritten)
    AT_EPOCH, // an empty entry after the base's last layer cannot be told from the Dockerfile's: clamped
    AT_EPOCH, AT_EPOCH, AT_EPOCH,
  ]);
  assert.equal(img.created, AT_EPOCH);
});

test('an epoch later than every time changes nothing; a missing time gets the epoch', () => {
  const late = 4000000000;
  const c = config();
  delete c.history![4]!.created;
  const img = finalizeImageConfig({ config: c, layerEmpty: [false, false, false, false], diffIds: [], created: NOW, epoch: late, baseLayers: 0 });
  assert.equal(img.created, NOW);
  assert.equal(img.history![3]!.created, NOW);
  assert.equal(img.history![4]!.created, epochTime(late));
});
