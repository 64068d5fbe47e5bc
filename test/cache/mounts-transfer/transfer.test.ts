/**
 * Cache mounts through a content store: a store's used caches (and only those) are collected into a content
 * store and, as a LoadedCache reading that store (what loadLocalCache does with a layout's blobs dir), fill a new
 * store's instances. The layout itself is the export/import modules' business (test/e2e/cache-mounts-export).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CacheMounts } from '../../../src/cache/cache-mounts.js';
import { CACHE_MOUNT_KEY } from '../../../src/cache/export/cache-config.js';
import type { LoadedCache } from '../../../src/cache/import/local.js';
import { collectCacheMounts, withCacheMounts } from '../../../src/cache/mounts-transfer/export.js';
import { ImportedMounts } from '../../../src/cache/mounts-transfer/import.js';
import { ContentStore, type LayerBlobOptions } from '../../../src/output/index.js';

const tmp = (p: string) => mkdtemp(path.join(os.tmpdir(), p));
const blobs: LayerBlobOptions = { compression: 'gzip', ociMediaTypes: true };
const rootless = process.getuid?.() !== 0;

/** The store's used caches collected into `content`, read back as an imported cache (blobs digest-checked). */
async function exportOf(mounts: CacheMounts, content: ContentStore): Promise<LoadedCache> {
  const collected = withCacheMounts({ config: { layers: [], records: [] }, layers: [] }, await collectCacheMounts({ mounts, content, rootless, blobs }));
  assert.deepEqual(collected.layers.map((d) => d.digest).sort(), [...new Set(collected.config.layers!.map((l) => l.blob))].sort());
  return {
    name: 'test', config: JSON.parse(JSON.stringify(collected.config)),
    fetchBlob: async (desc, to) => { if (!(await to.has(desc.digest))) await to.writeStream(createReadStream(content.path(desc.digest)), desc.digest); },
  };
}

test('usedMounts: only the caches this store leased, first-use order; for private, the instance used last', async () => {
  const root = await tmp('cm-');
  const other = await new CacheMounts(root).acquire({ id: 'someone-else', sharing: 'shared' });
  await other.release();
  const c = new CacheMounts(root);
  const a = await c.acquire({ id: 'a', sharing: 'shared' });
  const p0 = await c.acquire({ id: 'p', sharing: 'private' });
  const p1 = await c.acquire({ id: 'p', sharing: 'private' });
  await p1.release();
  await p0.release();
  await a.release();
  const used = c.usedMounts();
  assert.deepEqual(used.map((u) => u.identity), [path.basename(c.cacheDir({ id: 'a' })), path.basename(c.cacheDir({ id: 'p' }))]);
  assert.equal(used[1]!.dataDir, p0.dir, 'p0 was released last');
  assert.equal((await readdir(root)).length, 3, 'the other cache is in the root but not used');
});

test('an importer fills only new instances; false leaves a fresh (seeded) dir', async () => {
  const calls: string[] = [];
  let answer = true;
  const c = new CacheMounts(await tmp('cm-'), {
    importer: async (identity, dir) => {
      calls.push(identity);
      await writeFile(path.join(dir, 'partial'), 'x');
      return answer;
    },
  });
  const a = await c.acquire({ id: 'a', sharing: 'shared' });
  assert.deepEqual(await readdir(a.dir), ['partial']);
  await a.release();
  await (await c.acquire({ id: 'a', sharing: 'shared' })).release();
  assert.equal(calls.length, 1, 'a ready instance is not imported again');
  answer = false;
  const b = await c.acquire({ id: 'b', sharing: 'shared', seed: { key: 'k', fill: async (dir) => writeFile(path.join(dir, 'seeded'), 'y') } });
  assert.deepEqual(await readdir(b.dir), ['seeded'], 'what a failed import wrote is gone, the seed ran');
  await b.release();
  assert.equal(calls.length, 2);
});

test('round trip through a local cache: content, symlinks, modes; an unchanged dir reuses its blob, a changed one does not', async () => {
  const content = new ContentStore(await tmp('content-'));
  const src = new CacheMounts(await tmp('cm-'));
  const lease = await src.acquire({ id: 'x', sharing: 'locked' });
  await mkdir(path.join(lease.dir, 'deep', 'er'), { recursive: true });
  await writeFile(path.join(lease.dir, 'deep', 'er', 'f'), 'payload', { mode: 0o640 });
  await symlink('/etc/passwd', path.join(lease.dir, 'abs-link'));
  await lease.release();
  const empty = await src.acquire({ id: 'empty', sharing: 'shared' });
  await empty.release();

  const first = await exportOf(src, content);
  const again = await exportOf(src, content);
  const mountLayers = (l: LoadedCache) => (l.config.layers ?? []).filter((x) => x.annotations?.additional?.[CACHE_MOUNT_KEY] !== undefined);
  assert.equal(mountLayers(first).length, 2, 'the empty cache is exported too');
  assert.ok(mountLayers(first).every((l) => l.parent === -1));
  assert.deepEqual(mountLayers(again).map((l) => l.blob), mountLayers(first).map((l) => l.blob));

  const warnings: string[] = [];
  const imported = new ImportedMounts([first], { content: new ContentStore(await tmp('content2-')), rootless, warn: (m) => warnings.push(m) });
  const dst = new CacheMounts(await tmp('cm2-'), { importer: (id, dir, s) => imported.fill(id, dir, s) });
  const got = await dst.acquire({ id: 'x', sharing: 'locked' });
  assert.equal(await readFile(path.join(got.dir, 'deep', 'er', 'f'), 'utf8'), 'payload');
  assert.equal((await lstat(path.join(got.dir, 'deep', 'er', 'f'))).mode & 0o777, 0o640);
  assert.equal(await readlink(path.join(got.dir, 'abs-link')), '/etc/passwd');
  await got.release();
  assert.deepEqual(warnings, []);

  // The source cache changed (same size, same store): its blob record must not be reused.
  const again2 = await src.acquire({ id: 'x', sharing: 'locked' });
  await writeFile(path.join(again2.dir, 'deep', 'er', 'f'), 'PAYLOAD');
  await again2.release();
  const changed = await exportOf(src, content);
  const xId = path.basename(src.cacheDir({ id: 'x' }));
  const blobOf = (l: LoadedCache) => mountLayers(l).find((x) => x.annotations!.additional![CACHE_MOUNT_KEY] === xId)!.blob;
  assert.notEqual(blobOf(changed), blobOf(first));
});

test('a cache mount layer whose diffID is wrong is a warning and the cache starts empty', async () => {
  const content = new ContentStore(await tmp('content-'));
  const src = new CacheMounts(await tmp('cm-'));
  const l = await src.acquire({ id: 'x', sharing: 'shared' });
  await writeFile(path.join(l.dir, 'f'), 'data');
  await l.release();
  const loaded = await exportOf(src, content);
  const bad: LoadedCache = {
    ...loaded,
    config: { ...loaded.config, layers: loaded.config.layers!.map((x) => ({ ...x, annotations: { ...x.annotations, diffID: `sha256:${'0'.repeat(64)}` } })) },
  };
  const warnings: string[] = [];
  const imported = new ImportedMounts([bad], { content: new ContentStore(await tmp('content2-')), rootless, warn: (m) => warnings.push(m) });
  const dst = new CacheMounts(await tmp('cm2-'), { importer: (id, dir, s) => imported.fill(id, dir, s) });
  const got = await dst.acquire({ id: 'x', sharing: 'shared' });
  assert.deepEqual(await readdir(got.dir), []);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /unpacks to sha256:[0-9a-f]{64}, the cache config says/);
  // Another id has no entry: no warning, nothing imported.
  const other = await dst.acquire({ id: 'y', sharing: 'shared' });
  assert.deepEqual(await readdir(other.dir), []);
  assert.equal(warnings.length, 1);
});
