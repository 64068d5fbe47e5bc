import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { dirFingerprint } from '../../../src/cache/mounts-transfer/fingerprint.js';

test('a dir fingerprint is stable while nothing changes and moves on any write, mode change, add, rename or removal', async () => {
  const d = await mkdtemp(path.join(os.tmpdir(), 'fp-'));
  await mkdir(path.join(d, 'sub'));
  await writeFile(path.join(d, 'sub', 'f'), 'one');
  const seen = new Set<string>();
  const step = async (what: string, change: () => Promise<unknown>): Promise<void> => {
    await change();
    const fp = await dirFingerprint(d);
    assert.equal(await dirFingerprint(d), fp, `${what}: stable`);
    assert.ok(!seen.has(fp), `${what}: the fingerprint changed`);
    seen.add(fp);
  };
  await step('start', async () => undefined);
  // Same size, same second: ctime still moves.
  await step('rewrite same size', () => writeFile(path.join(d, 'sub', 'f'), 'two'));
  await step('chmod', () => chmod(path.join(d, 'sub', 'f'), 0o600));
  await step('add', () => writeFile(path.join(d, 'g'), ''));
  await step('rename', () => rename(path.join(d, 'g'), path.join(d, 'h')));
  await step('remove', () => rm(path.join(d, 'h')));
  await step('root mode', () => chmod(d, 0o700));
});
