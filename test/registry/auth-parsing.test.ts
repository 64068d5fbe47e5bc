/** WWW-Authenticate parsing, scopes and platform matching: the pure parts of the registry client. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseWWWAuthenticate } from '../../src/registry/auth-challenge.js';
import { repositoryScope } from '../../src/registry/auth.js';
import { platformMatches, selectManifest } from '../../src/registry/platform.js';

test('bearer and basic challenges', () => {
  assert.deepEqual(parseWWWAuthenticate('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"'), [
    { scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/busybox:pull' } },
  ]);
  assert.deepEqual(parseWWWAuthenticate('Basic realm="test-registry"'), [{ scheme: 'basic', params: { realm: 'test-registry' } }]);
  assert.deepEqual(parseWWWAuthenticate(['Basic realm=x', 'BEARER Realm="a\\"b", error="invalid_token"']), [
    { scheme: 'basic', params: { realm: 'x' } },
    { scheme: 'bearer', params: { realm: 'a"b', error: 'invalid_token' } },
  ]);
  assert.deepEqual(parseWWWAuthenticate('Basic realm="r", Bearer realm="t",service=s'), [
    { scheme: 'basic', params: { realm: 'r' } },
    { scheme: 'bearer', params: { realm: 't', service: 's' } },
  ]);
  assert.deepEqual(parseWWWAuthenticate(undefined), []);
  assert.deepEqual(parseWWWAuthenticate('=garbage'), []);
});

test('repository scopes for pull and push', () => {
  assert.equal(repositoryScope('library/busybox', ['pull']), 'repository:library/busybox:pull');
  assert.equal(repositoryScope('x/y', ['push', 'pull', 'push']), 'repository:x/y:pull,push');
});

test('platform matching: os+arch, variant only when asked, normalised names', () => {
  assert.ok(platformMatches({ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'amd64', variant: 'v3' }));
  assert.ok(platformMatches({ os: 'linux', architecture: 'x86_64' }, { os: 'linux', architecture: 'amd64' }));
  assert.ok(platformMatches({ os: 'linux', architecture: 'arm64', variant: 'v8' }, { os: 'linux', architecture: 'arm64' }));
  assert.ok(platformMatches({ os: 'linux', architecture: 'arm', variant: 'v7' }, { os: 'linux', architecture: 'arm' }));
  assert.ok(!platformMatches({ os: 'linux', architecture: 'arm', variant: 'v6' }, { os: 'linux', architecture: 'arm', variant: 'v7' }));
  assert.ok(!platformMatches({ os: 'linux', architecture: 'amd64' }, { os: 'windows', architecture: 'amd64' }));
  const d = (architecture: string, n: number, variant?: string) => ({
    mediaType: 'm', digest: `sha256:${String(n).repeat(64)}`, size: 1, platform: { os: 'linux', architecture, ...(variant ? { variant } : {}) },
  });
  const list = [{ mediaType: 'm', digest: `sha256:${'0'.repeat(64)}`, size: 1 }, d('arm', 1, 'v6'), d('arm', 2, 'v7'), d('amd64', 3)];
  assert.equal(selectManifest(list, { os: 'linux', architecture: 'arm', variant: 'v7' })?.digest, list[2]!.digest);
  assert.equal(selectManifest(list, { os: 'linux', architecture: 'arm' })?.digest, list[1]!.digest, 'first match wins without a variant');
  assert.equal(selectManifest(list, { os: 'linux', architecture: 'riscv64' }), undefined);
});
