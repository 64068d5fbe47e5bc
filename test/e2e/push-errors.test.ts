/**
 * Pushing to registries that need credentials over TLS (htpasswd, a server certificate signed by a test CA
 * made here), through a faulty proxy, and the bad inputs of a push: wrong credentials, an unknown host, a
 * registry that refuses a blob, an invalid name. Each failure is one line, a non-zero exit, no metadata file,
 * and no manifest in the registry.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testEnv } from '../helpers/env.js';
import { startRegistry, type RunningRegistry } from '../helpers/registry.js';
import { startPushFaultProxy } from '../registry/push-fault-proxy.js';
import { buildArgs, run } from './helpers.js';
import { testWorkers } from './workers.js';

const USER = 'pusher';
const PASSWORD = 'push-secret-4711';

/** A CA and a certificate for 127.0.0.1 signed by it. */
async function makeCerts(dir: string): Promise<{ ca: string; cert: string; key: string }> {
  const f = (n: string): string => join(dir, n);
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=push test CA', '-keyout', f('ca.key'), '-out', f('ca.pem')]);
  await run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', f('key.pem'), '-out', f('cert.csr')]);
  await run('sh', ['-c', `printf 'subjectAltName=IP:127.0.0.1\\n' > ${f('ext.cnf')} && openssl x509 -req -in ${f('cert.csr')} -CA ${f('ca.pem')} -CAkey ${f('ca.key')} -CAcreateserial -days 1 -extfile ${f('ext.cnf')} -out ${f('cert.pem')}`]);
  return { ca: f('ca.pem'), cert: f('cert.pem'), key: f('key.pem') };
}

const lastLine = (stderr: string): string => stderr.trimEnd().split('\n').at(-1) ?? '';

for (const w of testWorkers()) describe(w.name, () => {
  let certDir: string;
  let certs: { ca: string; cert: string; key: string };
  let secure: RunningRegistry;
  let open: RunningRegistry;
  before(async () => {
    certDir = await mkdtemp(join(tmpdir(), 'push-e2e-certs-'));
    certs = await makeCerts(certDir);
    await mkdir(join(certDir, 'skopeo'));
    await copyFile(certs.ca, join(certDir, 'skopeo', 'ca.crt'));
    secure = await startRegistry({ htpasswd: { user: USER, password: PASSWORD }, tls: { certFile: certs.cert, keyFile: certs.key } });
    open = await startRegistry();
  });
  after(async () => {
    await secure.stop();
    await open.stop();
    await rm(certDir, { recursive: true, force: true });
  });

  /**
   * DOCKER_CONFIG with credentials for the secure registry, and a buildkitd.toml (BUILDKITD_FLAGS=--config) that
   * trusts the test CA for it, readable by the worker's user.
   */
  const authEnv = async (password: string, opts: { ca?: boolean } = {}): Promise<NodeJS.ProcessEnv> => {
    const dir = await w.makeDir({
      'config.json': JSON.stringify({ auths: { [secure.host]: { auth: Buffer.from(`${USER}:${password}`).toString('base64') } } }),
      'ca.pem': await readFile(certs.ca, 'utf8'),
      'buildkitd.toml': '',
    }, 'docker-config-');
    const toml = opts.ca === false ? `[registry."${secure.host}"]\n  http = false\n` : `[registry."${secure.host}"]\n  http = false\n  ca = ["${join(dir, 'ca.pem')}"]\n`;
    await writeFile(join(dir, 'buildkitd.toml'), toml);
    return { DOCKER_CONFIG: dir, BUILDKITD_FLAGS: `--config ${join(dir, 'buildkitd.toml')}` };
  };
  const busybox = (): string => testEnv().images.busybox;

  test('htpasswd over TLS with a test CA: push, inspect, build FROM it; registry.insecure=true without the CA', async () => {
    const ctx = await w.makeDir({ Dockerfile: `FROM ${busybox()}\nRUN echo secure > /secure\n` });
    const ref = `${secure.host}/secure/${w.name}:v1`;
    const r = await w.buildctl(buildArgs(ctx, '--output', `type=image,name=${ref},push=true`), { env: await authEnv(PASSWORD) });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!r.stderr.includes(PASSWORD));
    const inspected = JSON.parse(await run('skopeo', ['inspect', '--cert-dir', join(certDir, 'skopeo'), '--creds', `${USER}:${PASSWORD}`, `docker://${ref}`])) as { Layers: string[] };
    assert.equal(inspected.Layers.length, 2);

    const again = await w.makeDir({ Dockerfile: `FROM ${ref}\nRUN [ "$(cat /secure)" = secure ]\n` });
    const r2 = await w.buildctl(buildArgs(again), { env: await authEnv(PASSWORD) });
    assert.equal(r2.code, 0, r2.stderr);

    const noCa = await authEnv(PASSWORD, { ca: false });
    const refused = await w.buildctl(buildArgs(ctx, '--output', `type=image,name=${secure.host}/secure/${w.name}:insecure,push=true`), { env: noCa });
    assert.notEqual(refused.code, 0, 'without the CA the certificate is not trusted');
    const r3 = await w.buildctl(buildArgs(ctx, '--output', `type=image,name=${secure.host}/secure/${w.name}:insecure,push=true,registry.insecure=true`), { env: noCa });
    assert.equal(r3.code, 0, r3.stderr);
  });

  test('wrong credentials: one line naming the host and the config file, no password, nothing pushed', async () => {
    const ctx = await w.makeDir({ Dockerfile: `FROM ${busybox()}\nRUN echo x > /x\n` });
    const env = await authEnv('not-the-password');
    const meta = await w.tempPath('meta.json');
    const ref = `${secure.host}/denied/${w.name}:v1`;
    const r = await w.buildctl(buildArgs(ctx, '--output', `type=image,name=${ref},push=true`, '--metadata-file', meta), { env });
    assert.notEqual(r.code, 0);
    assert.equal(lastLine(r.stderr), `error: failed to push ${ref}: unauthorized: authentication required; check credentials for ${secure.host} in ${env['DOCKER_CONFIG']!}/config.json`);
    assert.ok(!r.stderr.includes('not-the-password') && !r.stderr.includes(Buffer.from(`${USER}:not-the-password`).toString('base64')));
    assert.equal(existsSync(meta), false, 'no metadata for a failed push');
    await assert.rejects(run('skopeo', ['inspect', '--cert-dir', join(certDir, 'skopeo'), '--creds', `${USER}:${PASSWORD}`, `docker://${ref}`]));
  });

  test('unknown host and invalid name: one line each, non-zero exit', async () => {
    const ctx = await w.makeDir({ Dockerfile: `FROM ${busybox()}\nRUN echo x > /x\n` });
    const r = await w.buildctl(buildArgs(ctx, '--output', 'type=image,name=registry.nonexistent.invalid/x/y:v1,push=true'));
    assert.notEqual(r.code, 0);
    assert.match(lastLine(r.stderr), /^error: failed to push registry\.nonexistent\.invalid\/x\/y:v1: getaddrinfo (ENOTFOUND|EAI_AGAIN) registry\.nonexistent\.invalid$/);

    const started = Date.now();
    const bad = await w.buildctl(buildArgs(ctx, '--output', `type=image,name=${open.host}/Upper/Case:v1,push=true`));
    assert.notEqual(bad.code, 0);
    assert.equal(lastLine(bad.stderr), `error: --output type=image: invalid reference format "${open.host}/Upper/Case:v1": repository name must be lowercase`);
    assert.ok(!bad.stderr.includes('RUN echo'), 'refused before the build runs');
    assert.ok(Date.now() - started < 5000);
  });

  test('a registry that refuses a blob fails the push with its error body; 503s and resets are retried', async () => {
    const ctx = await w.makeDir({ Dockerfile: `FROM ${busybox()}\nRUN echo refused > /r\n` });
    const proxy = await startPushFaultProxy(open.host, [
      { method: 'PUT', url: /blobs\/uploads\/.*digest=/, times: 99, action: { kind: 'status', status: 400, code: 'BLOB_UPLOAD_INVALID', message: 'blob upload invalid' } },
    ]);
    try {
      const meta = await w.tempPath('meta.json');
      const ref = `${proxy.host}/refused/${w.name}:v1`;
      const r = await w.buildctl(buildArgs(ctx, '--output', `type=image,name=${ref},push=true`, '--metadata-file', meta));
      assert.notEqual(r.code, 0);
      assert.match(lastLine(r.stderr), new RegExp(`^error: failed to push ${ref}: blob sha256:[a-f0-9]{64}: unexpected status 400 Bad Request: BLOB_UPLOAD_INVALID: blob upload invalid$`));
      assert.equal(existsSync(meta), false);
      assert.ok(!proxy.log.some((l) => l.includes('/manifests/') && l.startsWith('PUT')), 'no manifest after a refused blob');

      const before = proxy.log.length;
      proxy.rules.splice(0, proxy.rules.length,
        { method: 'POST', times: 2, action: { kind: 'status', status: 503, code: 'UNAVAILABLE', message: 'try later' } },
        { method: 'PUT', url: /manifests/, times: 1, action: { kind: 'reset' } },
        { method: 'PUT', url: /blobs\/uploads/, times: 1, action: { kind: 'reset-after' } });
      const ok = await w.buildctl(buildArgs(ctx, '--output', `type=image,name=${proxy.host}/retried/${w.name}:v1,push=true`, '--metadata-file', meta));
      assert.equal(ok.code, 0, ok.stderr);
      assert.equal(proxy.log.slice(before).filter((l) => l.startsWith('FAULT')).length, 4, 'four injected faults, all recovered from');
      const md = JSON.parse(await readFile(meta, 'utf8')) as Record<string, string>;
      const inspected = JSON.parse(await run('skopeo', ['inspect', '--tls-verify=false', `docker://${open.host}/retried/${w.name}:v1`])) as { Digest: string };
      assert.equal(inspected.Digest, md['containerimage.digest']);
    } finally {
      await proxy.close();
    }
  });
});
