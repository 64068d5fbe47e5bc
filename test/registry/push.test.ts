/**
 * pushImage against real registries (Debian's docker-registry): the busybox and Debian test layouts are
 * pushed blob by blob as they are stored, then checked with skopeo and by GETting the manifest. Faults come
 * from a real proxy in front of the registry (push-fault-proxy.ts).
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { promisify } from 'node:util';
import { RegistryError } from '../../src/errors.js';
import { loadDockerConfig } from '../../src/registry/docker-config.js';
import { RegistryClient } from '../../src/registry/client.js';
import { parseReference } from '../../src/registry/reference.js';
import { pushImage, type ImageToPush } from '../../src/registry/push.js';
import { UnauthorizedError } from '../../src/registry/registry-errors.js';
import { testEnv } from '../helpers/env.js';
import { startRegistry, type RunningRegistry } from '../helpers/registry.js';
import { startPushFaultProxy } from './push-fault-proxy.js';

const run = promisify(execFile);
const FAST_RETRY = { attempts: 4, baseDelayMs: 20 };

/** The single image of a test layout, as pushImage takes it. */
async function layoutImage(dir: string): Promise<ImageToPush & { digest: string }> {
  const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string; mediaType: string }> };
  const top = index.manifests[0]!;
  const file = (d: string): string => join(dir, 'blobs', 'sha256', d.slice('sha256:'.length));
  const bytes = await readFile(file(top.digest));
  const m = JSON.parse(bytes.toString('utf8')) as { config: ImageToPush['blobs'][number]['descriptor']; layers: Array<ImageToPush['blobs'][number]['descriptor']> };
  return {
    digest: top.digest,
    manifest: { bytes, mediaType: top.mediaType },
    blobs: [m.config, ...m.layers].map((descriptor) => ({ descriptor, file: file(descriptor.digest) })),
  };
}

async function manifestStatus(host: string, repo: string, reference: string): Promise<{ status: number; digest: string | null }> {
  const res = await fetch(`http://${host}/v2/${repo}/manifests/${reference}`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
  await res.arrayBuffer();
  return { status: res.status, digest: res.headers.get('docker-content-digest') };
}

let reg: RunningRegistry;
let client: RegistryClient;
before(async () => {
  reg = await startRegistry();
  client = new RegistryClient({ dockerConfig: await loadDockerConfig({ env: { DOCKER_CONFIG: '/nonexistent' } }), retry: FAST_RETRY });
});
after(async () => {
  await client.close();
  await reg.stop();
});

test('busybox: config and layer uploaded, manifest by tag; skopeo reads it; a second push finds every blob', async () => {
  const image = await layoutImage(testEnv().layouts.busybox);
  const target = parseReference(`${reg.host}/push/busybox:v1`);
  const first = await pushImage(client, target, image);
  assert.deepEqual(first.counts, { exists: 0, mounted: 0, uploaded: 2 });
  assert.equal(first.digest, image.digest, 'the manifest bytes are pushed unchanged');
  assert.equal(first.ref.toString(), `${reg.host}/push/busybox:v1@${image.digest}`);
  const { stdout } = await run('skopeo', ['inspect', '--tls-verify=false', `docker://${reg.host}/push/busybox:v1`]);
  const inspected = JSON.parse(stdout) as { Digest: string; Layers: string[] };
  assert.equal(inspected.Digest, image.digest);
  assert.deepEqual(inspected.Layers, image.blobs.slice(1).map((b) => b.descriptor.digest));
  const again = await pushImage(client, target, image);
  assert.deepEqual(again.counts, { exists: 2, mounted: 0, uploaded: 0 });
});

test('a repository on the same registry known to hold the blobs is mounted from, not uploaded to', async () => {
  const image = await layoutImage(testEnv().layouts.busybox);
  const from = parseReference(`${reg.host}/push/mount-src:v1`);
  await pushImage(client, from, image);
  const withSource = { ...image, blobs: image.blobs.map((b) => ({ ...b, knownIn: [from] })) };
  const pushed = await pushImage(client, parseReference(`${reg.host}/push/mount-dst:v1`), withSource);
  assert.deepEqual(pushed.counts, { exists: 0, mounted: 2, uploaded: 0 });
  assert.equal((await manifestStatus(reg.host, 'push/mount-dst', 'v1')).digest, image.digest);
});

test('push by digest puts the manifest under its digest and no tag', async () => {
  const image = await layoutImage(testEnv().layouts.busybox);
  const pushed = await pushImage(client, parseReference(`${reg.host}/push/bydigest`), image, { byDigest: true });
  assert.equal(pushed.ref.toString(), `${reg.host}/push/bydigest@${image.digest}`);
  assert.equal((await manifestStatus(reg.host, 'push/bydigest', image.digest)).status, 200);
  assert.equal((await manifestStatus(reg.host, 'push/bydigest', 'latest')).status, 404);
});

test('chunked upload: PATCHes with Content-Range, resumes after a lost answer, retries 503 and resets', async () => {
  const image = await layoutImage(testEnv().layouts.busybox);
  const proxy = await startPushFaultProxy(reg.host, [
    { method: 'POST', url: /blobs\/uploads\/$/, times: 2, action: { kind: 'status', status: 503, code: 'UNAVAILABLE' } },
    { method: 'PATCH', times: 1, action: { kind: 'reset' } },
    { method: 'PATCH', times: 1, action: { kind: 'reset-after' } },
  ]);
  try {
    const pushed = await pushImage(client, parseReference(`${proxy.host}/push/chunked:v1`), image, { chunkSize: 256 << 10 });
    assert.equal(pushed.counts.uploaded, 2);
    const patches = proxy.log.filter((l) => l.startsWith('PATCH '));
    assert.ok(patches.length >= 5, `1 MB in 256 KiB chunks plus retries: ${patches.length} PATCHes`);
    assert.ok(proxy.log.some((l) => l.startsWith('GET /v2/push/chunked/blobs/uploads/')), 'asked the session where it stands');
    assert.equal(proxy.log.filter((l) => l.startsWith('FAULT')).length, 4);
    const { stdout } = await run('skopeo', ['inspect', '--tls-verify=false', `docker://${reg.host}/push/chunked:v1`]);
    assert.equal((JSON.parse(stdout) as { Digest: string }).Digest, image.digest);
  } finally {
    await proxy.close();
  }
});

test('a stalled blob PUT times out and is retried; a stalled manifest PUT too', async () => {
  const image = await layoutImage(testEnv().layouts.busybox);
  const proxy = await startPushFaultProxy(reg.host, [
    { method: 'PUT', url: /blobs\/uploads/, times: 1, action: { kind: 'stall' } },
    { method: 'PUT', url: /manifests/, times: 1, action: { kind: 'stall' } },
  ]);
  try {
    const started = Date.now();
    const pushed = await pushImage(client, parseReference(`${proxy.host}/push/stall:v1`), image, { timeoutMs: 700 });
    assert.equal(pushed.digest, image.digest);
    assert.equal(proxy.log.filter((l) => l.startsWith('FAULT stall')).length, 2);
    assert.ok(Date.now() - started < 10_000);
    assert.equal((await manifestStatus(reg.host, 'push/stall', 'v1')).digest, image.digest);
  } finally {
    await proxy.close();
  }
});

test('a registry that refuses a blob: one line with its error body, no manifest pushed', async () => {
  const image = await layoutImage(testEnv().layouts.busybox);
  const layer = image.blobs[1]!.descriptor.digest;
  const proxy = await startPushFaultProxy(reg.host, [
    { method: 'PUT', url: new RegExp(`digest=${encodeURIComponent(layer)}`), times: 99, action: { kind: 'status', status: 400, code: 'BLOB_UPLOAD_INVALID', message: 'blob upload invalid' } },
  ]);
  try {
    await assert.rejects(pushImage(client, parseReference(`${proxy.host}/push/refused:v1`), image, { displayName: 'refused:v1' }), (e: unknown) => {
      assert.ok(e instanceof RegistryError);
      assert.equal(e.message, `failed to push refused:v1: blob ${layer}: unexpected status 400 Bad Request: BLOB_UPLOAD_INVALID: blob upload invalid`);
      return true;
    });
    assert.equal(proxy.log.filter((l) => l.startsWith('FAULT')).length, 1, 'a 400 is not retried');
    assert.ok(!proxy.log.some((l) => l.includes('/manifests/')), 'no manifest PUT after a failed blob');
    assert.equal((await manifestStatus(reg.host, 'push/refused', 'v1')).status, 404);
  } finally {
    await proxy.close();
  }
});

test('the Debian image (40 MB layer) in default chunks', async () => {
  const image = await layoutImage(testEnv().layouts.debian);
  const started = Date.now();
  const pushed = await pushImage(client, parseReference(`${reg.host}/push/debian:bookworm`), image);
  const ms = Date.now() - started;
  assert.equal(pushed.digest, image.digest);
  assert.deepEqual(pushed.counts, { exists: 0, mounted: 0, uploaded: 2 });
  console.log(`# pushed the Debian test image (${image.blobs.reduce((n, b) => n + b.descriptor.size, 0)} bytes) in ${ms} ms`);
});

test('htpasswd over TLS with a test CA: pushes with the right password; a wrong one is one line without it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'push-tls-'));
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyFile, '-out', certFile]);
  const password = 'correct horse battery';
  const secure = await startRegistry({ htpasswd: { user: 'pusher', password }, tls: { certFile, keyFile } });
  const ca = readFileSync(certFile, 'utf8');
  const withPassword = async (pw: string): Promise<RegistryClient> => {
    const cfgDir = join(dir, pw.replace(/\W/g, ''));
    await rm(cfgDir, { recursive: true, force: true });
    await import('node:fs/promises').then((fs) => fs.mkdir(cfgDir));
    await writeFile(join(cfgDir, 'config.json'), JSON.stringify({ auths: { [secure.host]: { auth: Buffer.from(`pusher:${pw}`).toString('base64') } } }));
    return new RegistryClient({
      dockerConfig: await loadDockerConfig({ env: { DOCKER_CONFIG: cfgDir } }),
      hostConfig: () => ({ http: false, ca: [ca] }),
      retry: FAST_RETRY,
    });
  };
  const good = await withPassword(password);
  const bad = await withPassword('wrong password');
  try {
    const image = await layoutImage(testEnv().layouts.busybox);
    const pushed = await pushImage(good, parseReference(`${secure.host}/secure/busybox:v1`), image);
    assert.equal(pushed.digest, image.digest);
    await run('skopeo', ['inspect', '--cert-dir', dir, '--creds', `pusher:${password}`, `docker://${secure.host}/secure/busybox:v1`])
      .catch(async () => run('skopeo', ['inspect', '--tls-verify=false', '--creds', `pusher:${password}`, `docker://${secure.host}/secure/busybox:v1`]));
    await assert.rejects(pushImage(bad, parseReference(`${secure.host}/secure/other:v1`), image), (e: unknown) => {
      assert.ok(e instanceof UnauthorizedError);
      assert.match(e.message, new RegExp(`^failed to push ${secure.host}/secure/other:v1: unauthorized: authentication required; check credentials for ${secure.host} in `));
      assert.ok(!e.message.includes('wrong password') && !e.message.includes(Buffer.from('pusher:wrong password').toString('base64')));
      return true;
    });
  } finally {
    await good.close();
    await bad.close();
    await secure.stop();
    await rm(dir, { recursive: true, force: true });
  }
});
