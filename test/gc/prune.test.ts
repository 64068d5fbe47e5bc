/** pruneStateDir on a real state dir made by hand: key records go with the layers they name; the budget holds. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { StateDir } from '../../src/cache/state-dir.js';
import { KeyStore } from '../../src/cache/key-store.js';
import { apparentSize } from '../../src/gc/disk-size.js';
import { pruneStateDir } from '../../src/gc/prune.js';

async function layer(state: StateDir, id: string, bytes: number, created: string): Promise<void> {
  const dir = path.join(state.layers, id);
  await mkdir(path.join(dir, 'diff'), { recursive: true });
  await writeFile(path.join(dir, 'diff', 'f'), Buffer.alloc(bytes));
  await writeFile(path.join(dir, 'layer.json'), JSON.stringify({ id, created }));
}

const id = (c: string): string => c.repeat(64);
const key = (n: number): string => `sha256:${String(n).repeat(64)}`;

test('a removed layer takes the key records naming it; the state dir ends under the budget', async () => {
  const state = new StateDir(await mkdtemp(path.join(os.tmpdir(), 'gc-test-')));
  await state.init();
  const keys = new KeyStore(state);
  await layer(state, id('a'), 200_000, '2020-01-01T00:00:00Z'); // oldest, named by k1 and k2
  await layer(state, id('b'), 200_000, '2021-01-01T00:00:00Z'); // named by k2
  await layer(state, id('c'), 200_000, '2022-01-01T00:00:00Z'); // named by k3
  await keys.put(key(1), [[id('a')]]);
  await keys.put(key(2), [[id('a'), id('b')]]);
  await keys.put(key(3), [[id('c')]]);
  const before = await apparentSize(state.root);
  const budget = before - 250_000;
  const res = await pruneStateDir(state, { keepBytes: budget });
  assert.ok(res.diskBytes <= budget, `${res.diskBytes} > ${budget}`);
  assert.deepEqual(res.removed.map((r) => r.id), [id('a'), id('b')]);
  assert.equal(await keys.get(key(1)), undefined);
  assert.equal(await keys.get(key(2)), undefined);
  assert.deepEqual((await keys.get(key(3)))?.outputs, [[id('c')]]);
  assert.deepEqual(await readdir(state.layers), [id('c')]);
  assert.equal(await apparentSize(state.root), res.diskBytes);

  const all = await pruneStateDir(state, { all: true });
  assert.deepEqual(all.removed.map((r) => r.id), [id('c')]);
  assert.deepEqual(await readdir(state.keys), []);
  assert.deepEqual(await readdir(state.tmp), []);
});
