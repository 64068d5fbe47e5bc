/**
 * buildkitd.toml registry settings against real servers: docker-registry with htpasswd over TLS with a test CA
 * (`http = false`, `ca`, `insecure`), a Node HTTPS server that demands a client certificate (`keypair`), and
 * errors that name the setting that applied, never a credential.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RegistryError } from '../../src/errors.js';
import { registryClientOptions } from '../../src/config/registry-hosts.js';
import { RegistryClient } from '../../src/registry/client.js';
import { loadDockerConfig } from '../../src/registry/docker-config.js';
import { parseReference } from '../../src/registry/reference.js';
import { NotFoundError, UnauthorizedError } from '../../src/registry/registry-errors.js';
import { pushLayout, startRegistry, type RunningRegistry } from '../helpers/registry.js';
import { writeImageLayout, type BuiltImage } from '../registry/layouts.js';
import { makeTestCA, type TestCA } from './tls-fixtures.js';

const USER = 'tls-user';
const PASSWORD = 'tls-pa55word-secret';
const b64 = (s: string): string => Buffer.from(s).toString('base64');

let work: string;
let ca: TestCA;
let reg: RunningRegistry;
let image: BuiltImage;
let mtls: https.Server;
let mtlsHost: string;
const clients: RegistryClient[] = [];
let n = 0;

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'config-tls-'));
  ca = await makeTestCA();
  image = await writeImageLayout(join(work, 'img'), { layers: [{ files: { hello: 'tls\n' }, compression: 'gzip' }] });
  reg = await startRegistry({ htpasswd: { user: USER, password: PASSWORD }, tls: { certFile: ca.serverCert, keyFile: ca.serverKey } });
  await pushLayout(join(work, 'img'), `${reg.host}/test/img:latest`, { creds: `${USER}:${PASSWORD}` });
  // A registry front that only talks to clients holding a certificate from the test CA: /v2/ is 200, the rest 404.
  mtls = https.createServer({
    cert: readFileSync(ca.serverCert), key: readFileSync(ca.serverKey), ca: readFileSync(ca.caFile), requestCert: true, rejectUnauthorized: true,
  }, (req, res) => {
    res.writeHead(req.url === '/v2/' ? 200 : 404, { 'content-type': 'application/json' }).end('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}');
  });
  await new Promise<void>((r) => mtls.listen(0, '127.0.0.1', r));
  mtlsHost = `127.0.0.1:${(mtls.address() as AddressInfo).port}`;
});

after(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await new Promise<void>((r) => mtls?.close(() => r()));
  await reg?.stop();
  await ca?.remove();
  await rm(work, { recursive: true, force: true });
});

/** A client for this buildkitd.toml text (undefined: no --config) and a config.json holding the right password. */
async function client(toml: string | undefined, password = PASSWORD): Promise<{ client: RegistryClient; file: string | undefined }> {
  const d = join(work, `c${n++}`);
  await mkdir(d);
  await writeFile(join(d, 'config.json'), JSON.stringify({ auths: { [reg.host]: { auth: b64(`${USER}:${password}`) } } }));
  let file: string | undefined;
  if (toml !== undefined) {
    file = join(d, 'buildkitd.toml');
    await writeFile(file, toml);
  }
  const dockerConfig = await loadDockerConfig({ env: { DOCKER_CONFIG: d } });
  const c = new RegistryClient({ dockerConfig, retry: { attempts: 1, baseDelayMs: 1 }, ...registryClientOptions(file) });
  clients.push(c);
  return { client: c, file };
}

const section = (host: string, body: string): string => `[registry."${host}"]\n${body}\n`;

function assertNoSecrets(s: string): void {
  for (const secret of [PASSWORD, b64(`${USER}:${PASSWORD}`), 'Basic ', 'Bearer ']) assert.ok(!s.includes(secret), `leaks ${secret}: ${s}`);
}

test('http = false with the test CA in ca: pull over verified TLS with basic auth from config.json', async () => {
  const { client: c } = await client(section(reg.host, `http = false\nca = ["${ca.caFile}"]`));
  const ref = parseReference(`${reg.host}/test/img:latest`);
  const r = await c.resolve(ref);
  assert.equal(r.manifestDigest, image.manifest.digest);
  await c.fetchBlob(ref, r.manifest.layers[0]!, join(work, 'layer-verified'));
});

test('insecure = true (and http = false): HTTPS without verification works', async () => {
  const { client: c } = await client(section(reg.host, 'http = false\ninsecure = true'));
  assert.equal((await c.resolve(parseReference(`${reg.host}/test/img:latest`))).manifestDigest, image.manifest.digest);
});

test('no ca: the TLS failure names the section and the file that applied', async () => {
  const { client: c, file } = await client(section(reg.host, 'http = false'));
  const ref = parseReference(`${reg.host}/test/img:latest`);
  await assert.rejects(c.resolve(ref), (e: unknown) => {
    assert.ok(e instanceof RegistryError);
    assert.match(e.message, new RegExp(`^failed to resolve ${esc(String(ref))}: ${esc(reg.host)}: TLS handshake failed: .*certificate.* \\(registry\\."${esc(reg.host)}" has no ca set in ${esc(file!)}\\)$`));
    return true;
  });
});

test('a ca that does not sign the server certificate is named as not verifying it', async () => {
  const other = await makeTestCA();
  try {
    const { client: c, file } = await client(section(reg.host, `http = false\nca = ["${other.caFile}"]`));
    await assert.rejects(c.resolve(parseReference(`${reg.host}/test/img:latest`)),
      (e: unknown) => e instanceof RegistryError && e.message.endsWith(`(registry."${reg.host}".ca in ${file!} does not verify it)`));
  } finally {
    await other.remove();
  }
});

test('a loopback TLS registry without http = false: plain HTTP (BuildKit\'s default) is refused with the fix', async () => {
  for (const toml of [undefined, section(reg.host, `ca = ["${ca.caFile}"]`)]) {
    const { client: c } = await client(toml);
    await assert.rejects(c.resolve(parseReference(`${reg.host}/test/img:latest`)), (e: unknown) => {
      assert.ok(e instanceof RegistryError);
      assert.equal(e.message, `failed to resolve ${reg.host}/test/img:latest: ${reg.host} speaks HTTPS, not plain HTTP (plain HTTP is the default for loopback hosts: set http = false in [registry."${reg.host}"] of the --config file)`);
      return true;
    });
  }
});

test('a wrong password over TLS is unauthorized, names config.json, and leaks nothing (message nor cause)', async () => {
  const { client: c } = await client(section(reg.host, `http = false\nca = ["${ca.caFile}"]`), 'wrong-' + PASSWORD);
  await assert.rejects(c.resolve(parseReference(`${reg.host}/test/img:latest`)), (e: unknown) => {
    assert.ok(e instanceof UnauthorizedError);
    assert.match(e.message, /unauthorized: authentication required; check credentials for 127\.0\.0\.1:\d+ in \S+config\.json$/);
    assertNoSecrets(e.message);
    assertNoSecrets(String(e.stack));
    assertNoSecrets(String((e.cause as Error | undefined)?.stack ?? ''));
    return true;
  });
});

test('keypair: a server that demands a client certificate accepts the configured one', async () => {
  const ref = parseReference(`${mtlsHost}/test/img:latest`);
  const without = await client(section(mtlsHost, `http = false\nca = ["${ca.caFile}"]`));
  // TLS 1.3 refuses a missing client certificate after the client's handshake is done: undici sees the socket
  // end before the alert, so the message is the connection's, not the setting's (a known gap).
  await assert.rejects(without.client.resolve(ref), (e: unknown) => {
    assert.ok(e instanceof RegistryError && !(e instanceof NotFoundError));
    assert.ok(e.message.startsWith(`failed to resolve ${ref}: `), e.message);
    return true;
  });
  const withPair = await client(`${section(mtlsHost, `http = false\nca = ["${ca.caFile}"]`)}[[registry."${mtlsHost}".keypair]]\ncert = "${ca.clientCert}"\nkey = "${ca.clientKey}"\n`);
  // The handshake succeeds: the server's own answer (404) comes back.
  await assert.rejects(withPair.client.resolve(ref), NotFoundError);
});

function esc(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
