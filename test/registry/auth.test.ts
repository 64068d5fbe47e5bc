/**
 * Authentication against real registries: htpasswd (Basic) and token auth (Bearer JWTs from a token server),
 * credentials from config.json entries, identity tokens and credential helpers, token caching, push scopes,
 * and errors that name the config file but never a credential.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RegistryClient } from '../../src/registry/client.js';
import { loadDockerConfig } from '../../src/registry/docker-config.js';
import { parseReference } from '../../src/registry/reference.js';
import { UnauthorizedError } from '../../src/registry/registry-errors.js';
import { pushLayout, startRegistry, type RunningRegistry } from '../helpers/registry.js';
import { writeImageLayout, type BuiltImage } from './layouts.js';
import { startTokenRegistry, type TokenRegistry } from './token-registry.js';

const USER = 'tester';
const PASSWORD = 'pa55-w0rd-secret';
const REFRESH = 'refresh-token-secret-1234';
const b64 = (s: string): string => Buffer.from(s).toString('base64');

let work: string;
let open: RunningRegistry;
let basic: RunningRegistry;
let token: TokenRegistry;
let image: BuiltImage;
const clients: RegistryClient[] = [];

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'registry-auth-'));
  image = await writeImageLayout(join(work, 'img'), { layers: [{ files: { hello: 'world\n' }, compression: 'gzip' }] });
  open = await startRegistry();
  basic = await startRegistry({ htpasswd: { user: USER, password: PASSWORD } });
  await pushLayout(join(work, 'img'), `${open.host}/test/private:latest`);
  await pushLayout(join(work, 'img'), `${basic.host}/test/private:latest`, { creds: `${USER}:${PASSWORD}` });
  // The token registry serves the open registry's storage: same images, different auth.
  token = await startTokenRegistry({ storageDir: open.storageDir, user: USER, password: PASSWORD, refreshToken: REFRESH });
});

after(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await token?.stop();
  await basic?.stop();
  await open?.stop();
  await rm(work, { recursive: true, force: true });
});

let configCount = 0;
/** A client reading a fresh config.json with `content` (undefined: no file). */
async function clientWith(content: object | undefined, env: NodeJS.ProcessEnv = process.env): Promise<{ client: RegistryClient; path: string }> {
  const dir = join(work, `config${configCount++}`);
  await mkdir(dir);
  if (content !== undefined) await writeFile(join(dir, 'config.json'), JSON.stringify(content));
  const dockerConfig = await loadDockerConfig({ env: { ...env, DOCKER_CONFIG: dir } });
  const client = new RegistryClient({ dockerConfig, retry: { attempts: 1, baseDelayMs: 1 } });
  clients.push(client);
  return { client, path: join(dir, 'config.json') };
}

function assertNoSecrets(message: string): void {
  for (const secret of [PASSWORD, b64(`${USER}:${PASSWORD}`), REFRESH, 'Authorization', 'Bearer ']) {
    assert.ok(!message.includes(secret), `message leaks ${secret}: ${message}`);
  }
}

async function resolveAndFetch(client: RegistryClient, host: string): Promise<void> {
  const ref = parseReference(`${host}/test/private:latest`);
  const r = await client.resolve(ref);
  assert.equal(r.manifestDigest, image.manifest.digest);
  await client.fetchBlob(ref, r.manifest.layers[0]!, join(work, `layer-${configCount}-${Date.now()}`));
}

test('basic auth with a base64 "auth" entry and with username/password', async () => {
  await resolveAndFetch((await clientWith({ auths: { [basic.host]: { auth: b64(`${USER}:${PASSWORD}`) } } })).client, basic.host);
  await resolveAndFetch((await clientWith({ auths: { [`http://${basic.host}/v2/`]: { username: USER, password: PASSWORD } } })).client, basic.host);
});

test('basic auth without credentials names the host and the config file that was used', async () => {
  const { client, path } = await clientWith(undefined);
  const ref = parseReference(`${basic.host}/test/private:latest`);
  await assert.rejects(client.resolve(ref), (e: unknown) => {
    assert.ok(e instanceof UnauthorizedError);
    assert.equal(e.message, `failed to resolve ${ref}: unauthorized: authentication required; check credentials for ${basic.host} in ${path} (file does not exist)`);
    return true;
  });
});

test('a wrong password is unauthorized and the message holds no credential', async () => {
  const { client, path } = await clientWith({ auths: { [basic.host]: { username: USER, password: PASSWORD.slice(0, 5) + 'x' } } });
  await assert.rejects(client.resolve(parseReference(`${basic.host}/test/private:latest`)), (e: unknown) => {
    assert.ok(e instanceof UnauthorizedError);
    assert.ok(e.message.endsWith(`check credentials for ${basic.host} in ${path}`), e.message);
    assertNoSecrets(e.message);
    assert.ok(!e.message.includes(PASSWORD.slice(0, 5) + 'x'));
    return true;
  });
});

test('credential helpers: credHelpers per host and credsStore', async () => {
  const bin = join(work, 'bin');
  await mkdir(bin, { recursive: true });
  const script = `#!/bin/sh\nread server\nif [ "$server" = "${basic.host}" ]; then printf '{"ServerURL":"%s","Username":"${USER}","Secret":"${PASSWORD}"}' "$server"; else echo "credentials not found in native keychain"; exit 1; fi\n`;
  await writeFile(join(bin, 'docker-credential-testhelper'), script);
  await chmod(join(bin, 'docker-credential-testhelper'), 0o755);
  const env = { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` };
  await resolveAndFetch((await clientWith({ credHelpers: { [basic.host]: 'testhelper' } }, env)).client, basic.host);
  await resolveAndFetch((await clientWith({ credsStore: 'testhelper' }, env)).client, basic.host);
  const { client } = await clientWith({ credsStore: 'missinghelper' }, env);
  await assert.rejects(client.resolve(parseReference(`${basic.host}/test/private:latest`)),
    { message: `failed to resolve ${basic.host}/test/private:latest: credential helper docker-credential-missinghelper failed for ${basic.host}: not found in PATH` });
});

test('token auth: GET with basic credentials, one token per (host, scope) reused until expiry', async () => {
  const { client } = await clientWith({ auths: { [token.host]: { auth: b64(`${USER}:${PASSWORD}`) } } });
  const before = token.requests.length;
  await resolveAndFetch(client, token.host);
  await resolveAndFetch(client, token.host);
  const made = token.requests.slice(before);
  assert.deepEqual(made, [{ method: 'GET', scopes: ['repository:test/private:pull'], as: 'basic' }]);
});

test('token auth: an identity token is exchanged with POST grant_type=refresh_token', async () => {
  const { client } = await clientWith({ auths: { [token.host]: { identitytoken: REFRESH } } });
  const before = token.requests.length;
  await resolveAndFetch(client, token.host);
  assert.deepEqual(token.requests.slice(before), [{ method: 'POST', scopes: ['repository:test/private:pull'], as: 'refresh-token' }]);
});

test('token auth: push scopes ask for pull,push and the registry accepts the token', async () => {
  const { client } = await clientWith({ auths: { [token.host]: { username: USER, password: PASSWORD } } });
  const before = token.requests.length;
  const res = await client.send(parseReference(`${token.host}/test/pushed:latest`), { method: 'POST', path: 'blobs/uploads/', actions: ['push', 'pull'] });
  await res.body.dump();
  assert.equal(res.status, 202, 'upload session started');
  assert.deepEqual(token.requests.slice(before), [{ method: 'GET', scopes: ['repository:test/pushed:pull,push'], as: 'basic' }]);
});

test('token auth: anonymous and wrong credentials are unauthorized, without leaking secrets', async () => {
  const anon = await clientWith(undefined);
  const ref = parseReference(`${token.host}/test/private:latest`);
  await assert.rejects(anon.client.resolve(ref), (e: unknown) => {
    assert.ok(e instanceof UnauthorizedError);
    assert.match(e.message, new RegExp(`^failed to resolve ${ref}: unauthorized: authentication required; check credentials for ${token.host} in `));
    return true;
  });
  const wrong = await clientWith({ auths: { [token.host]: { username: USER, password: 'not-the-' + PASSWORD } } });
  await assert.rejects(wrong.client.resolve(ref), (e: unknown) => {
    assert.ok(e instanceof UnauthorizedError);
    assert.match(e.message, /token server http:\/\/127\.0\.0\.1:\d+\/token answered 401/);
    assertNoSecrets(e.message);
    return true;
  });
  const badRefresh = await clientWith({ auths: { [token.host]: { identitytoken: 'wrong-' + REFRESH } } });
  await assert.rejects(badRefresh.client.resolve(ref), (e: unknown) => {
    assert.ok(e instanceof UnauthorizedError);
    assertNoSecrets(e.message);
    return true;
  });
});
