import { test } from 'node:test';
import assert from 'node:assert/strict';
import { goJson, IMAGE_CONFIG_SHAPE, MANIFEST_SHAPE } from '../../src/output/go-json.js';

test('strings are escaped like Go encoding/json (HTML-safe)', () => {
  assert.equal(goJson({ a: 'x <y> & z\u2028\u0001"\\' }).toString(), '{"a":"x \\u003cy\\u003e \\u0026 z\\u2028\\u0001\\"\\\\"}');
});

test('manifest keys follow the Go struct order, maps are sorted, undefined is omitted', () => {
  const out = goJson({
    layers: [{ size: 1, digest: 'sha256:ab', mediaType: 'l' }],
    annotations: { z: '1', a: '2' },
    config: { digest: 'sha256:cd', mediaType: 'c', size: 2, urls: undefined },
    mediaType: 'm',
    schemaVersion: 2,
  }, MANIFEST_SHAPE).toString();
  assert.equal(out, '{"schemaVersion":2,"mediaType":"m","config":{"mediaType":"c","digest":"sha256:cd","size":2},'
    + '"layers":[{"mediaType":"l","digest":"sha256:ab","size":1}],"annotations":{"a":"2","z":"1"}}');
});

test('image config: top level sorted (BuildKit re-marshals it as a map), nested structs in field order', () => {
  const out = goJson({
    rootfs: { diff_ids: [], type: 'layers' },
    os: 'linux',
    config: { Cmd: ['sh'], Env: ['A=1'], User: 'u' },
    architecture: 'amd64',
    history: [{ empty_layer: true, created_by: 'x', created: 't' }],
  }, IMAGE_CONFIG_SHAPE).toString();
  assert.equal(out, '{"architecture":"amd64","config":{"User":"u","Env":["A=1"],"Cmd":["sh"]},'
    + '"history":[{"created":"t","created_by":"x","empty_layer":true}],"os":"linux","rootfs":{"type":"layers","diff_ids":[]}}');
});
