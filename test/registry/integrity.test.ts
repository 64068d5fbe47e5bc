/**
 * What the client does when the wire lies or breaks, through a faulty proxy in front of a real registry:
 * corrupted blobs, manifests and configs are rejected with DigestMismatchError and leave no file behind;
 * 503s and cut connections are retried; blob redirects to another origin work and get no Authorization.
 */
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DigestMismatchError, RegistryError } from '../../src/errors.js';
import { RegistryClient } from '../../src/registry/client.js';
import { loadDockerConfig } from '../../src/registry/docker-config.js';
import { parseReference } from '../../src/registry/reference.js';
import { pushLayout, startRegistry, type RunningRegistry } from '../helpers/registry.js';
import { startFaultyProxy, type FaultyProxy } from './faulty-proxy.js';
import { writeImageLayout, type BuiltImage } from './layouts.js';

const USER = 'proxyuser';
const PASSWORD = 'proxy-secret-pw';

let work: string;
let reg: RunningRegistry;
let proxy: FaultyProxy;
let image: BuiltImage;
let client: RegistryClient;
let dest: string;

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'registry-integrity-'));
  image = await writeImageLayout(join(work, 'img'), {
    layers: [{ files: { big: 'x'.repeat(300_000) + Math.random() }, compression: 'uncompressed' }],
  });
  reg = await startRegistry({ htpasswd: { user: USER, password: PASSWORD } });
  await pushLayout(join(work, 'img'), `${reg.host}/test/img:latest`, { creds: `${USER}:${PASSWORD}` });
  proxy = await startFaultyProxy(reg.host);
  await mkdir(join(work, 'cfg'));
  await writeFile(join(work, 'cfg', 'config.json'), JSON.stringify({ auths: { [proxy.host]: { username: USER, password: PASSWORD } } }));
  const dockerConfig = await loadDockerConfig({ env: { DOCKER_CONFIG: join(work, 'cfg') } });
  client = new RegistryClient({ dockerConfig, retry: { attempts: 3, baseDelayMs: 5 } });
});

beforeEach(async () => {
  proxy.faults = {};
  proxy.log.length = 0;
  dest = await mkdtemp(join(work, 'dest-'));
});

after(async () => {
  await client?.close();
  await proxy?.close();
  await reg?.stop();
  await rm(work, { recursive: true, force: true });
});

const ref = (): ReturnType<typeof parseReference> => parseReference(`${proxy.host}/test/img:latest`);

test('a corrupted blob is a DigestMismatchError naming both digests, and leaves nothing behind', async () => {
  proxy.faults.flipBlob = true;
  const layer = image.layers[0]!;
  await assert.rejects(client.fetchBlob(ref(), layer, join(dest, 'layer')), (e: unknown) => {
    assert.ok(e instanceof DigestMismatchError);
    assert.match(e.message, new RegExp(`^digest mismatch for blob ${layer.digest} of ${ref()}: expected ${layer.digest}, got sha256:[a-f0-9]{64}$`));
    assert.ok(!e.message.endsWith(`got ${layer.digest}`));
    return true;
  });
  assert.deepEqual(await readdir(dest), []);
});

test('a blob longer than its descriptor says is refused', async () => {
  const layer = image.layers[0]!;
  await assert.rejects(client.fetchBlob(ref(), { ...layer, size: layer.size - 1 }, join(dest, 'layer')),
    { name: 'DigestMismatchError', message: `size mismatch for blob ${layer.digest} of ${ref()}: expected ${layer.size - 1} bytes, got more` });
  assert.deepEqual(await readdir(dest), []);
});

test('a corrupted manifest or config fails resolve', async () => {
  proxy.faults.flipManifest = true;
  await assert.rejects(client.resolve(ref()), (e: unknown) => {
    assert.ok(e instanceof DigestMismatchError);
    assert.match(e.message, /^digest mismatch for manifest latest of /);
    return true;
  });
  proxy.faults = { flipBlob: true };
  await assert.rejects(client.resolve(ref()), (e: unknown) => {
    assert.ok(e instanceof DigestMismatchError);
    assert.match(e.message, new RegExp(`^digest mismatch for config ${image.config.digest} of `));
    return true;
  });
});

test('503s and connection resets are retried; too many give a one-line error', async () => {
  proxy.faults = { unavailable: 1, reset: 1 };
  const r = await client.resolve(ref());
  assert.equal(r.manifestDigest, image.manifest.digest);
  assert.equal(proxy.faults.unavailable, 0);
  assert.equal(proxy.faults.reset, 0);
  proxy.faults = { unavailable: 100 };
  await assert.rejects(client.resolve(ref()), (e: unknown) => {
    assert.ok(e instanceof RegistryError);
    assert.equal(e.message, `failed to resolve ${ref()}: unexpected status 503 Service Unavailable: UNAVAILABLE: try later`);
    return true;
  });
  assert.equal(proxy.faults.unavailable, 97, 'three attempts');
});

test('a blob download cut halfway is retried from the start', async () => {
  proxy.faults = { cutBlob: 1 };
  const layer = image.layers[0]!;
  await client.fetchBlob(ref(), layer, join(dest, 'layer'));
  assert.equal(proxy.faults.cutBlob, 0, 'the cut happened');
  assert.deepEqual(await readdir(dest), ['layer']);
  assert.equal(proxy.log.filter((l) => l.includes(layer.digest)).length, 2);
});

test('blob redirects are followed without sending Authorization to the other origin', async () => {
  proxy.faults = { redirectBlobsTo: join(work, 'img') };
  proxy.storageSawAuthorization.length = 0;
  const r = await client.resolve(ref()); // the config blob comes through the redirect too
  await client.fetchBlob(ref(), r.manifest.layers[0]!, join(dest, 'layer'));
  assert.deepEqual(await readdir(dest), ['layer']);
  assert.deepEqual(proxy.storageSawAuthorization, [false, false]);
  assert.ok(proxy.log.some((l) => l.includes('/blobs/') && l.endsWith('(authorization)')), 'the registry itself got credentials');
});

test('an aborted download rejects with AbortError and leaves nothing behind', async () => {
  proxy.faults = { cutBlob: 1 }; // the first attempt stalls halfway; abort while the client waits to retry
  const ac = new AbortController();
  const layer = image.layers[0]!;
  const p = client.fetchBlob(ref(), layer, join(dest, 'layer'), { signal: ac.signal, onProgress: () => ac.abort() });
  await assert.rejects(p, { name: 'AbortError' });
  assert.deepEqual(await readdir(dest), []);
});
