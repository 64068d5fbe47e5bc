/**
 * The pure parts of remote caches: the cache's manifest (index / image manifest), what an imported document
 * holds (cache-parts), the inline encoding in an image config, mode=min's prefix rule, and the flag checks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { CACHE_CONFIG_MEDIA_TYPE, CacheConfigCheck, EMPTY_KEY, type CacheConfig } from '../../src/cache/export/cache-config.js';
import { cacheConfigBlob, cacheManifest } from '../../src/cache/export/cache-manifest.js';
import { isPrefix } from '../../src/cache/export/collect.js';
import { encodeInlineCache, INLINE_CACHE_KEY } from '../../src/cache/export/inline.js';
import { cachePartsOf } from '../../src/cache/import/cache-parts.js';
import { inlineCacheOf, withManifestLayers } from '../../src/cache/import/inline.js';
import { parseCacheSpec } from '../../src/cli/cache-flag.js';
import { FlagError, LayerError } from '../../src/errors.js';

const d = (c: string): string => `sha256:${c.repeat(64)}`;
const LAYER = { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: d('a'), size: 10 };
const CONFIG: CacheConfig = {
  layers: [
    { blob: d('a'), parent: -1, annotations: { diffID: d('b'), additional: { 'buildctl-ts.layer-id': 'a'.repeat(64) } } },
    { blob: d('c'), parent: 0, annotations: { diffID: d('d'), additional: { [EMPTY_KEY]: 'true' } } },
  ],
  records: [{ digest: d('e'), layers: [{ layer: 1 }] }],
};
const sha = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

test('cache index: layers then the config, OCI index type; Docker manifest list type with oci-mediatypes=false', () => {
  const config = cacheConfigBlob(CONFIG);
  assert.equal(config.descriptor.mediaType, CACHE_CONFIG_MEDIA_TYPE);
  assert.equal(config.descriptor.digest, sha(config.bytes));
  assert.deepEqual(JSON.parse(config.bytes.toString()), CONFIG);
  const oci = cacheManifest([LAYER], config.descriptor, { imageManifest: false, oci: true });
  const doc = JSON.parse(oci.bytes.toString());
  assert.equal(oci.descriptor.digest, sha(oci.bytes));
  assert.equal(oci.descriptor.size, oci.bytes.length);
  assert.deepEqual(doc, { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [LAYER, config.descriptor] });
  const docker = cacheManifest([LAYER], config.descriptor, { imageManifest: false, oci: false });
  assert.equal(docker.descriptor.mediaType, 'application/vnd.docker.distribution.manifest.list.v2+json');
  assert.equal(JSON.parse(docker.bytes.toString()).mediaType, docker.descriptor.mediaType);
});

test('image-manifest=true: an OCI image manifest whose config is the cache config', () => {
  const config = cacheConfigBlob(CONFIG);
  const m = cacheManifest([LAYER], config.descriptor, { imageManifest: true, oci: true });
  assert.deepEqual(JSON.parse(m.bytes.toString()), { schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: config.descriptor, layers: [LAYER] });
  assert.throws(() => cacheManifest([LAYER], config.descriptor, { imageManifest: true, oci: false }));
});

test('cachePartsOf: a cache index, a cache image manifest, and an image (not a cache)', () => {
  const cfg = { mediaType: CACHE_CONFIG_MEDIA_TYPE, digest: d('f'), size: 3 };
  const fromIndex = cachePartsOf({ kind: 'index', index: { schemaVersion: 2, manifests: [LAYER, cfg] } });
  assert.deepEqual(fromIndex?.config, cfg);
  assert.deepEqual([...fromIndex!.layers.keys()], [LAYER.digest]);
  const fromManifest = cachePartsOf({ kind: 'manifest', manifest: { schemaVersion: 2, config: cfg, layers: [LAYER] } });
  assert.deepEqual(fromManifest?.config, cfg);
  assert.deepEqual(fromManifest?.layers.get(LAYER.digest), LAYER);
  const image = { mediaType: 'application/vnd.oci.image.config.v1+json', digest: d('0'), size: 3 };
  assert.equal(cachePartsOf({ kind: 'manifest', manifest: { schemaVersion: 2, config: image, layers: [LAYER] } }), undefined);
  assert.equal(cachePartsOf({ kind: 'index', index: { schemaVersion: 2, manifests: [{ ...image, mediaType: 'application/vnd.oci.image.manifest.v1+json' }] } }), undefined);
});

test('inline: the value is Go json.Marshal of []byte (standard base64), and decodes back', () => {
  // Go: json.Marshal([]byte(`{}`)) == `"e30="`.
  assert.equal(encodeInlineCache({}), 'e30=');
  const value = encodeInlineCache(CONFIG);
  assert.equal(Buffer.from(value, 'base64').toString(), JSON.stringify(CONFIG));
  const imageConfig = JSON.parse(JSON.stringify({ architecture: 'amd64', os: 'linux', [INLINE_CACHE_KEY]: value }));
  assert.deepEqual(inlineCacheOf(imageConfig, 'img'), CONFIG);
  assert.equal(inlineCacheOf({ architecture: 'amd64' }, 'img'), undefined);
  assert.throws(() => inlineCacheOf({ [INLINE_CACHE_KEY]: 'not base64!' }, 'img'), LayerError);
  assert.throws(() => inlineCacheOf({ [INLINE_CACHE_KEY]: 42 }, 'img'), LayerError);
  // BuildKit's own inline value (records only, a JSON array) is not a cache of ours: refused, not misread.
  assert.throws(() => inlineCacheOf({ [INLINE_CACHE_KEY]: Buffer.from('[{"digest":"x"}]').toString('base64') }, 'img'), LayerError);
});

test('inline import: media types and sizes come from the manifest; layers it does not list keep theirs', () => {
  const merged = withManifestLayers(CONFIG, [LAYER]);
  assert.equal(merged.layers![0]!.annotations!.mediaType, LAYER.mediaType);
  assert.equal(merged.layers![0]!.annotations!.size, LAYER.size);
  assert.equal(merged.layers![0]!.annotations!.diffID, d('b'));
  assert.equal(merged.layers![1]!.annotations!.mediaType, undefined);
  assert.ok(CacheConfigCheck.Check(merged));
});

test('mode=min keeps a record when its layers are a prefix of the final stack', () => {
  const [a, b, c, x] = ['a', 'b', 'c', 'x'].map((id) => ({ id }));
  assert.ok(isPrefix([a!], [a!, b!, c!]));
  assert.ok(isPrefix([a!, b!, c!], [a!, b!, c!]));
  assert.ok(!isPrefix([a!, x!], [a!, b!, c!]));
  assert.ok(!isPrefix([b!], [a!, b!]));
  assert.ok(!isPrefix([a!, b!, c!, x!], [a!, b!, c!]));
});

test('flags: mounts is accepted on export, booleans are normalised, image-manifest needs OCI media types', () => {
  assert.deepEqual(parseCacheSpec('type=registry,ref=r/c,mounts=true,image-manifest=1', 'export', '/'), {
    type: 'registry', attrs: { ref: 'r/c', mounts: 'true', 'image-manifest': 'true' },
  });
  assert.equal(parseCacheSpec('type=local,dest=c,mounts=false', 'export', '/').attrs['mounts'], 'false');
  assert.throws(() => parseCacheSpec('type=local,src=c,mounts=true', 'import', '/'), FlagError); // import needs no flag
  assert.equal(parseCacheSpec('type=registry,ref=r/c,registry.insecure=T', 'import', '/').attrs['registry.insecure'], 'true');
  assert.throws(() => parseCacheSpec('type=registry,ref=r/c,image-manifest=true,oci-mediatypes=false', 'export', '/'), FlagError);
  assert.throws(() => parseCacheSpec('type=inline,mode=max', 'export', '/'), FlagError);
});
