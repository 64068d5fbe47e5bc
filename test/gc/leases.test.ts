/**
 * Leases against prune, with real processes: a layer another live process leases is never removed, also when
 * the lease is taken while prune runs (the race between a build reading a key record and prune deleting its
 * layers); a lease whose process is gone protects nothing. Last use is the last touch (a cache hit), not
 * publication: the LRU order follows it.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, stat, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LayerStore } from '../../src/cache/layer-store.js';
import { KeyStore } from '../../src/cache/key-store.js';
import { StateDir } from '../../src/cache/state-dir.js';
import { apparentSize } from '../../src/gc/disk-size.js';
import { pruneStateDir } from '../../src/gc/prune.js';

const HOLDER = fileURLToPath(new URL('./lease-holder.js', import.meta.url));
const hex = (n: number): string => n.toString(16).padStart(64, '0');

async function stateWithLayers(n: number, bytes = 1000): Promise<{ state: StateDir; ids: string[] }> {
  const state = new StateDir(await mkdtemp(path.join(os.tmpdir(), 'gc-lease-')));
  await state.init();
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const id = hex(i + 1);
    const dir = path.join(state.layers, id);
    await mkdir(path.join(dir, 'diff'), { recursive: true });
    await writeFile(path.join(dir, 'diff', 'f'), Buffer.alloc(bytes));
    await writeFile(path.join(dir, 'layer.json'), JSON.stringify({ id, created: '2020-01-01T00:00:00Z' }));
    const t = new Date(Date.UTC(2020, 0, 1) + i * 1000); // layer i used before layer i+1: prune goes 0, 1, 2...
    await utimes(path.join(dir, 'layer.json'), t, t);
    ids.push(id);
  }
  return { state, ids };
}

/** Start a holder and wait until it is ready; it gets `ids` (in order) once `go` is called and answers with the ids it got. */
async function holder(state: StateDir): Promise<{ go(ids: readonly string[]): Promise<string[]>; exit(): Promise<void> }> {
  const child = spawn(process.execPath, [HOLDER, state.root], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const lines: string[] = [];
  let waiter: (() => void) | undefined;
  let buf = '';
  child.stdout.on('data', (d: Buffer) => {
    buf += d.toString();
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) { lines.push(buf.slice(0, i)); buf = buf.slice(i + 1); }
    waiter?.();
  });
  const next = async (): Promise<string> => {
    while (lines.length === 0) {
      await Promise.race([new Promise<void>((resolve) => { waiter = resolve; }), exited.then(() => { throw new Error('holder exited'); })]);
    }
    return lines.shift()!;
  };
  after(() => { child.kill(); });
  assert.equal(await next(), 'ready');
  return {
    async go(ids) { child.stdin.write(`${ids.join(' ')}\n`); return JSON.parse(await next()) as string[]; },
    exit() { child.stdin.end(); return exited; },
  };
}

test('a layer a live process leases survives prune --all; once that process is gone, prune removes it', async () => {
  const { state, ids } = await stateWithLayers(3);
  const h = await holder(state);
  assert.deepEqual(await h.go([ids[1]!]), [ids[1]]);
  const res = await pruneStateDir(state, { all: true });
  assert.deepEqual(res.removed.map((r) => r.id).sort(), [ids[0], ids[2]].sort());
  assert.deepEqual(await readdir(state.layers), [ids[1]]);
  await h.exit();
  const later = await pruneStateDir(state, { all: true });
  assert.deepEqual(later.removed.map((r) => r.id), [ids[1]]);
  assert.deepEqual(await readdir(state.layers), []);
  assert.deepEqual(await readdir(path.join(state.root, 'leases')), [], 'the dead lease file is removed');
});

test('race: leases taken while prune removes layers; every layer the other process got is still there', async () => {
  for (let round = 0; round < 4; round++) {
    const { state, ids } = await stateWithLayers(60);
    const h = await holder(state);
    // Prune goes from the first id up; once it has removed one, the holder starts from the last id down.
    let got: Promise<string[]> | undefined;
    await pruneStateDir(state, { all: true, onRemoved: () => { got ??= h.go([...ids].reverse()); } });
    const gotIds = await got!;
    const left = new Set(await readdir(state.layers));
    for (const id of gotIds) {
      assert.ok(left.has(id), `round ${round}: the holder got ${id} and prune removed it`);
      await stat(path.join(state.layers, id, 'layer.json'));
    }
    assert.ok(gotIds.length > 0 && gotIds.length < ids.length, `round ${round}: the two met (${gotIds.length} of ${ids.length} got)`);
    // A layer the holder found missing may be back (prune saw the lease and put it back): that is a miss for
    // the build, never a hole. Once the holder is gone, prune removes the rest.
    assert.ok(left.size < ids.length, `round ${round}: prune removed some`);
    await h.exit();
    await pruneStateDir(state, { all: true });
    assert.deepEqual(await readdir(state.layers), []);
  }
});

test('last use is the last cache hit: a touched layer outlives a newer one under a budget', async () => {
  const { state, ids } = await stateWithLayers(2, 100_000);
  const keys = new KeyStore(state);
  await keys.put(`sha256:${'a'.repeat(64)}`, [[ids[0]!]]);
  await keys.put(`sha256:${'b'.repeat(64)}`, [[ids[1]!]]);
  // ids[0] was published (and last used) first; a cache hit now makes it the most recently used.
  const store = new LayerStore(state);
  await store.touch([ids[0]!]);
  await keys.touch(`sha256:${'a'.repeat(64)}`);
  await store.lease.release();
  const budget = (await apparentSize(state.root)) - 50_000;
  const res = await pruneStateDir(state, { keepBytes: budget });
  assert.deepEqual(res.removed.map((r) => r.id), [ids[1]]);
  assert.ok(res.diskBytes <= budget);
  assert.equal(await keys.get(`sha256:${'b'.repeat(64)}`), undefined);
  assert.deepEqual((await keys.get(`sha256:${'a'.repeat(64)}`))?.outputs, [[ids[0]]]);
});

test('garbage: a key record naming a missing layer is removed by the next prune', async () => {
  const { state, ids } = await stateWithLayers(1);
  const keys = new KeyStore(state);
  await keys.put(`sha256:${'c'.repeat(64)}`, [[hex(999)]]);
  await keys.put(`sha256:${'d'.repeat(64)}`, [[ids[0]!]]);
  const res = await pruneStateDir(state, { keepBytes: 1e12 });
  assert.deepEqual(res.removed, []);
  assert.equal(await keys.get(`sha256:${'c'.repeat(64)}`), undefined);
  assert.ok(await keys.get(`sha256:${'d'.repeat(64)}`));
});
