import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CacheMounts } from '../../src/cache/cache-mounts.js';

const root = () => mkdtemp(path.join(os.tmpdir(), 'cache-mounts-'));

test('a cache keeps its content across leases and across stores on the same root (a persistent --root)', async () => {
  const r = await root();
  const a = new CacheMounts(r);
  const l1 = await a.acquire({ id: 'go', sharing: 'shared' });
  await writeFile(path.join(l1.dir, 'f'), 'kept');
  await l1.release();
  const l2 = await new CacheMounts(r).acquire({ id: 'go', sharing: 'shared' });
  assert.equal(l2.dir, l1.dir);
  assert.equal(await readFile(path.join(l2.dir, 'f'), 'utf8'), 'kept');
  await l2.release();
  const other = await a.acquire({ id: 'npm', sharing: 'shared' });
  assert.notEqual(other.dir, l1.dir);
  await other.release();
});

test('a new cache dir is 0755 root by default, or the mode/uid/gid asked (which make it a different cache)', async () => {
  const c = new CacheMounts(await root());
  const d = await c.acquire({ id: 'x', sharing: 'shared' });
  assert.equal((await stat(d.dir)).mode & 0o7777, 0o755);
  const m = await c.acquire({ id: 'x', sharing: 'shared', mode: 0o1777, uid: 1000, gid: 1000 });
  const st = await stat(m.dir);
  assert.equal(st.mode & 0o7777, 0o1777);
  assert.equal(st.uid, 1000);
  assert.notEqual(m.dir, d.dir);
  await d.release();
  await m.release();
});

test('seeded caches are filled once, and the seed is part of the identity', async () => {
  const c = new CacheMounts(await root());
  let fills = 0;
  const seed = (k: string) => ({ key: k, fill: async (dir: string) => { fills++; await writeFile(path.join(dir, 'seed'), k); } });
  const a = await c.acquire({ id: 's', sharing: 'shared', seed: seed('v1') });
  const b = await c.acquire({ id: 's', sharing: 'shared', seed: seed('v1') });
  assert.equal(a.dir, b.dir);
  assert.equal(fills, 1);
  const v2 = await c.acquire({ id: 's', sharing: 'shared', seed: seed('v2') });
  assert.equal(await readFile(path.join(v2.dir, 'seed'), 'utf8'), 'v2');
  assert.equal(fills, 2);
  for (const l of [a, b, v2]) await l.release();
});

test('shared: users at the same time get the same dir; private: a busy dir gives a fresh one', async () => {
  const c = new CacheMounts(await root());
  const s1 = await c.acquire({ id: 'p', sharing: 'shared' });
  const s2 = await c.acquire({ id: 'p', sharing: 'shared' });
  assert.equal(s1.dir, s2.dir);
  await s1.release();
  await s2.release();
  const p1 = await c.acquire({ id: 'p', sharing: 'private' });
  const p2 = await c.acquire({ id: 'p', sharing: 'private' });
  assert.notEqual(p1.dir, p2.dir);
  await p1.release();
  const p3 = await c.acquire({ id: 'p', sharing: 'private' });
  assert.equal(p3.dir, p1.dir, 'a released private instance is reused');
  await p2.release();
  await p3.release();
});

test('locked: users take turns on one dir', async () => {
  const c = new CacheMounts(await root());
  const events: string[] = [];
  const user = async (name: string) => {
    const l = await c.acquire({ id: 'l', sharing: 'locked' });
    events.push(`${name}+`);
    await sleep(30);
    events.push(`${name}-`);
    await l.release();
    return l.dir;
  };
  const [a, b] = await Promise.all([user('a'), user('b')]);
  assert.equal(a, b);
  assert.deepEqual(events, ['a+', 'a-', 'b+', 'b-']);
});

test('locked across processes: a lock dir held by a live pid blocks, a dead owner is taken over', async () => {
  const r = await root();
  const c = new CacheMounts(r);
  const l = await c.acquire({ id: 'z', sharing: 'locked' });
  const inst = path.dirname(l.dir);
  await l.release();
  const { mkdir } = await import('node:fs/promises');
  await mkdir(`${inst}.lock`);
  await writeFile(path.join(`${inst}.lock`, 'pid'), '999999999');
  const again = await new CacheMounts(r).acquire({ id: 'z', sharing: 'locked' });
  assert.equal(again.dir, l.dir);
  await again.release();
});
