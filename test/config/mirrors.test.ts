/**
 * Mirrors from buildkitd.toml against real registries: the origin is docker-registry with htpasswd over TLS
 * (test CA), the mirror a second, anonymous plain-HTTP registry. The requests go through the pieces
 * RegistryClient is built from (registryEndpoints, sendWithFallback, DispatcherPool, Transport, Authenticator),
 * wired the way its send() uses them: each endpoint authenticated against its own host.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBuildkitdConfig } from '../../src/config/buildkitd-config.js';
import { hostConfigResolver } from '../../src/config/registry-hosts.js';
import { Authenticator, repositoryScope, type Action } from '../../src/registry/auth.js';
import { DispatcherPool, registryEndpoints, sendWithFallback, type HostConfigResolver, type RegistryEndpoint } from '../../src/registry/host-config.js';
import { MANIFEST_ACCEPT } from '../../src/registry/manifest-fetch.js';
import { DEFAULT_RETRY } from '../../src/registry/retry.js';
import { Transport, type Response } from '../../src/registry/transport.js';
import { pushLayout, startRegistry, type RunningRegistry } from '../helpers/registry.js';
import { writeImageLayout, type BuiltImage } from '../registry/layouts.js';
import { makeTestCA, type TestCA } from './tls-fixtures.js';

const USER = 'mirror-user';
const PASSWORD = 'mirror-pa55word';

let work: string;
let ca: TestCA;
let origin: RunningRegistry;
let mirror: RunningRegistry;
let both: BuiltImage;
let originOnly: BuiltImage;

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'config-mirrors-'));
  ca = await makeTestCA();
  both = await writeImageLayout(join(work, 'both'), { layers: [{ files: { a: 'in both\n' }, compression: 'gzip' }] });
  originOnly = await writeImageLayout(join(work, 'origin'), { layers: [{ files: { b: 'origin only\n' }, compression: 'gzip' }] });
  origin = await startRegistry({ htpasswd: { user: USER, password: PASSWORD }, tls: { certFile: ca.serverCert, keyFile: ca.serverKey } });
  mirror = await startRegistry();
  const creds = `${USER}:${PASSWORD}`;
  await pushLayout(join(work, 'both'), `${origin.host}/lib/img:both`, { creds });
  await pushLayout(join(work, 'origin'), `${origin.host}/lib/img:origin`, { creds });
  await pushLayout(join(work, 'both'), `${mirror.host}/lib/img:both`);
});

after(async () => {
  await mirror?.stop();
  await origin?.stop();
  await ca?.remove();
  await rm(work, { recursive: true, force: true });
});

/** A sender wired like RegistryClient.send: endpoints in order, 401 -> challenge -> retry, per endpoint host. */
async function sender(toml: string): Promise<{ send(repo: string, path: string, actions: Action[], method?: 'GET' | 'POST'): Promise<Response>; skipped: string[]; close(): Promise<void> }> {
  const file = join(work, `buildkitd-${Math.random().toString(36).slice(2)}.toml`);
  await writeFile(file, toml);
  const resolve: HostConfigResolver = hostConfigResolver(loadBuildkitdConfig(file));
  const pool = new DispatcherPool();
  const transport = new Transport({ dispatcherFor: (url) => pool.forHost(url.host, resolve(url.host)), retry: { ...DEFAULT_RETRY, attempts: 1 }, userAgent: 'test' });
  const auth = new Authenticator({ transport, credentials: async (host) => (host === origin.host ? { username: USER, password: PASSWORD } : undefined) });
  const skipped: string[] = [];
  const one = async (ep: RegistryEndpoint, url: string, scopes: string[], method: 'GET' | 'POST'): Promise<Response> => {
    const go = async (): Promise<Response> => {
      const authorization = await auth.authorization(ep.authHost, scopes);
      return transport.send(url, { method, headers: { accept: MANIFEST_ACCEPT, ...(authorization ? { authorization } : {}) } });
    };
    const res = await go();
    if (res.status !== 401) return res;
    await res.body.dump();
    auth.challenged(ep.authHost, res.headers['www-authenticate'], scopes);
    return go();
  };
  return {
    skipped,
    send: (repo, path, actions, method = 'GET') => sendWithFallback(
      registryEndpoints(origin.host, resolve, { actions, method }),
      (ep) => one(ep, `${ep.origin}${ep.prefix}${repo}/${path}`, [repositoryScope(repo, actions)], method),
      (ep, why) => skipped.push(`${ep.origin}: ${why}`),
    ),
    close: () => pool.close(),
  };
}

const originSection = (mirrors: string[]): string =>
  `[registry."${origin.host}"]\nhttp = false\nca = ["${ca.caFile}"]\nmirrors = ${JSON.stringify(mirrors)}\n`;

test('a pull goes to the mirror first; what the mirror lacks comes from the origin, with the origin\'s credentials', async () => {
  const s = await sender(originSection([mirror.host]));
  try {
    const fromMirror = await s.send('lib/img', 'manifests/both', ['pull']);
    assert.equal(fromMirror.status, 200);
    assert.ok(fromMirror.url.startsWith(`http://${mirror.host}/v2/lib/img/`), fromMirror.url);
    assert.equal(fromMirror.headers['docker-content-digest'], both.manifest.digest);
    await fromMirror.body.dump();
    assert.deepEqual(s.skipped, []);

    const fallback = await s.send('lib/img', 'manifests/origin', ['pull']);
    assert.equal(fallback.status, 200);
    assert.ok(fallback.url.startsWith(`https://${origin.host}/v2/lib/img/`), fallback.url);
    assert.equal(fallback.headers['docker-content-digest'], originOnly.manifest.digest);
    await fallback.body.dump();
    assert.deepEqual(s.skipped, [`http://${mirror.host}: status 404`]);
  } finally {
    await s.close();
  }
});

test('a mirror that is down or refuses is skipped; the origin answers', async () => {
  const s = await sender(originSection(['127.0.0.1:1', `${mirror.host}/nothing-here`]));
  try {
    const res = await s.send('lib/img', 'manifests/both', ['pull']);
    assert.equal(res.status, 200);
    assert.ok(res.url.startsWith(`https://${origin.host}/`), res.url);
    await res.body.dump();
    assert.equal(s.skipped.length, 2);
    assert.match(s.skipped[0]!, /^http:\/\/127\.0\.0\.1:1: .*ECONNREFUSED/);
    assert.equal(s.skipped[1], `http://${mirror.host}: status 404`, 'the mirror path prefix is used');
  } finally {
    await s.close();
  }
});

test('push requests never go to a mirror: the origin authorizes them', async () => {
  const s = await sender(originSection([mirror.host]));
  try {
    const res = await s.send('lib/pushed', 'blobs/uploads/', ['pull', 'push'], 'POST');
    assert.equal(res.status, 202, 'upload session started at the origin');
    assert.ok(res.url.startsWith(`https://${origin.host}/`));
    await res.body.dump();
    assert.deepEqual(s.skipped, []);
  } finally {
    await s.close();
  }
});
