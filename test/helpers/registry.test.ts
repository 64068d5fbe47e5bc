/**
 * Proves the shared test setup (scripts/test-setup.sh) and the registry helpers work: the env file is valid,
 * the shared registry serves every test image as it was built, and private registries do auth and TLS.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { testEnv } from './env.js';
import { pushLayout, startRegistry } from './registry.js';

const run = promisify(execFile);
const ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

interface Layout {
  manifests: { digest: string; mediaType: string }[];
}
const layoutTop = (dir: string): Layout['manifests'][0] => {
  const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as Layout;
  assert.equal(index.manifests.length, 1, `${dir}/index.json has one entry`);
  return index.manifests[0]!;
};

async function getManifest(ref: string, init: { auth?: string } = {}): Promise<Response> {
  const m = /^([^/]+)\/(.+):([^:/]+)$/.exec(ref);
  assert.ok(m, `bad ref ${ref}`);
  const headers: Record<string, string> = { Accept: ACCEPT };
  if (init.auth) headers.Authorization = `Basic ${Buffer.from(init.auth).toString('base64')}`;
  return fetch(`http://${m[1]}/v2/${m[2]}/manifests/${m[3]}`, { headers });
}

test('the env file is valid and names existing layouts on the shared registry', () => {
  const env = testEnv();
  for (const [name, ref] of Object.entries(env.images)) {
    assert.ok(ref.startsWith(`${env.registry}/test/`), `${name}: ${ref}`);
    const layout = env.layouts[name as keyof typeof env.layouts];
    assert.ok(existsSync(join(layout, 'oci-layout')), `${layout} is an OCI layout`);
  }
  assert.ok(existsSync(`/proc/${env.registryPid}`), 'the shared registry process is running');
});

test('testEnv() says to run scripts/test-setup.sh when the env file is missing', () => {
  const saved = process.env.TEST_ENV_FILE;
  process.env.TEST_ENV_FILE = join(tmpdir(), 'no-such-dir', 'env.json');
  try {
    assert.throws(() => testEnv(), /run scripts\/test-setup\.sh/);
  } finally {
    if (saved === undefined) delete process.env.TEST_ENV_FILE;
    else process.env.TEST_ENV_FILE = saved;
  }
});

test('the shared registry serves each image with the digest and media types of its layout', async () => {
  const env = testEnv();
  const expected: Record<string, string> = {
    busybox: 'application/vnd.oci.image.manifest.v1+json',
    debian: 'application/vnd.oci.image.manifest.v1+json',
    busyboxV2s2: 'application/vnd.docker.distribution.manifest.v2+json',
    busyboxZstd: 'application/vnd.oci.image.manifest.v1+json',
    busyboxUncompressed: 'application/vnd.oci.image.manifest.v1+json',
    multiarch: 'application/vnd.oci.image.index.v1+json',
  };
  for (const [name, mediaType] of Object.entries(expected)) {
    const key = name as keyof typeof env.images;
    const res = await getManifest(env.images[key]);
    assert.equal(res.status, 200, name);
    const body = (await res.json()) as { mediaType: string; layers?: { mediaType: string }[]; manifests?: unknown[] };
    assert.equal(body.mediaType, mediaType, name);
    assert.equal(res.headers.get('docker-content-digest'), layoutTop(env.layouts[key]).digest, name);
    if (name === 'busyboxZstd') assert.equal(body.layers?.[0]?.mediaType, 'application/vnd.oci.image.layer.v1.tar+zstd');
    if (name === 'busyboxUncompressed') assert.equal(body.layers?.[0]?.mediaType, 'application/vnd.oci.image.layer.v1.tar');
    if (name === 'multiarch') assert.equal(body.manifests?.length, 2);
  }
});

test('an htpasswd registry rejects anonymous and wrong credentials and accepts the right ones', async () => {
  const env = testEnv();
  const reg = await startRegistry({ htpasswd: { user: 'alice', password: 's3cret pass' } });
  try {
    const anon = await fetch(`http://${reg.host}/v2/`);
    assert.equal(anon.status, 401);
    assert.match(anon.headers.get('www-authenticate') ?? '', /^Basic realm=/);
    const auth = (creds: string) => ({ Authorization: `Basic ${Buffer.from(creds).toString('base64')}` });
    assert.equal((await fetch(`http://${reg.host}/v2/`, { headers: auth('alice:wrong') })).status, 401);
    assert.equal((await fetch(`http://${reg.host}/v2/`, { headers: auth('alice:s3cret pass') })).status, 200);

    const ref = `${reg.host}/private/busybox:latest`;
    await assert.rejects(pushLayout(env.layouts.busybox, ref), /skopeo copy .* failed/);
    await pushLayout(env.layouts.busybox, ref, { creds: 'alice:s3cret pass' });
    assert.equal((await getManifest(ref)).status, 401);
    const res = await getManifest(ref, { auth: 'alice:s3cret pass' });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('docker-content-digest'), layoutTop(env.layouts.busybox).digest);
  } finally {
    await reg.stop();
  }
  assert.equal(existsSync(reg.storageDir), false, 'stop() removes the storage');
  await assert.rejects(fetch(`http://${reg.host}/v2/`), 'stop() ends the registry');
});

test('pushLayout with format v2s2 converts an OCI layout to Docker media types', async () => {
  const env = testEnv();
  const reg = await startRegistry();
  try {
    const ref = `${reg.host}/conv/busybox:v2s2`;
    await pushLayout(env.layouts.busybox, ref, { format: 'v2s2' });
    const body = (await (await getManifest(ref)).json()) as { mediaType: string };
    assert.equal(body.mediaType, 'application/vnd.docker.distribution.manifest.v2+json');
  } finally {
    await reg.stop();
  }
});

test('a TLS registry answers https and refuses plain http', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'test-tls-'));
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyFile, '-out', certFile]);
  const reg = await startRegistry({ tls: { certFile, keyFile } });
  try {
    const status = await new Promise<number | undefined>((resolve, reject) => {
      https.get(`https://${reg.host}/v2/`, { ca: readFileSync(certFile) }, (res) => {
        res.resume();
        resolve(res.statusCode);
      }).on('error', reject);
    });
    assert.equal(status, 200);
    assert.equal((await fetch(`http://${reg.host}/v2/`)).status, 400);
  } finally {
    await reg.stop();
    await rm(dir, { recursive: true, force: true });
  }
});
