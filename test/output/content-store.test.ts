import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, stat, writeFile, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { ContentStore } from '../../src/output/content-store.js';
import { DigestMismatchError } from '../../src/errors.js';
import { tempDir, tempLeftovers } from './helpers.js';

const sha = (b: Buffer | string): string => 'sha256:' + createHash('sha256').update(b).digest('hex');

test('writeStream stores content under its digest, read-only; a second write of it is a no-op', async () => {
  const store = new ContentStore(await tempDir('cs'));
  const data = Buffer.from('some blob content\n'.repeat(1000));
  const a = await store.writeStream(Readable.from([data.subarray(0, 100), data.subarray(100)]));
  assert.deepEqual(a, { digest: sha(data), size: data.length });
  assert.equal(sha(await readFile(store.path(a.digest))), a.digest);
  assert.equal((await stat(store.path(a.digest))).mode & 0o777, 0o444);
  const b = await store.writeBytes(data);
  assert.deepEqual(b, a);
  assert.equal(await store.has(a.digest), true);
  assert.equal(await store.has(sha('other')), false);
  assert.deepEqual(await tempLeftovers(join(store.root, 'blobs', 'sha256')), []);
});

test('a failing source publishes nothing and leaves no temp file', async () => {
  const store = new ContentStore(await tempDir('cs'));
  async function* failing(): AsyncGenerator<Buffer> {
    yield Buffer.from('partial');
    throw new Error('source broke');
  }
  await assert.rejects(store.writeStream(Readable.from(failing())), /source broke/);
  assert.deepEqual(await tempLeftovers(join(store.root, 'blobs', 'sha256')), []);
  assert.equal(await store.has(sha('partial')), false);
});

test('importFile hard-links on one filesystem and verifies while copying across filesystems', async () => {
  const root = await tempDir('cs');
  const store = new ContentStore(join(root, 'store'));
  const file = join(root, 'blob');
  await writeFile(file, 'layer bytes');
  await store.importFile(file, sha('layer bytes'));
  assert.equal((await stat(store.path(sha('layer bytes')))).ino, (await stat(file)).ino, 'hard link');

  const shm = await mkdtemp('/dev/shm/out-cs-'); // tmpfs: link(2) fails with EXDEV
  try {
    const other = join(shm, 'blob');
    await writeFile(other, 'other bytes');
    await store.importFile(other, sha('other bytes'));
    assert.equal((await readFile(store.path(sha('other bytes')))).toString(), 'other bytes');
    assert.notEqual((await stat(store.path(sha('other bytes')))).ino, (await stat(other)).ino);
    await writeFile(join(shm, 'liar'), 'not what it claims');
    await assert.rejects(store.importFile(join(shm, 'liar'), sha('claimed')), DigestMismatchError);
    assert.equal(await store.has(sha('claimed')), false);
  } finally {
    await rm(shm, { recursive: true, force: true });
  }
});
