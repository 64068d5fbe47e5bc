/** config.json reading: the path rules, entry formats, Docker Hub's key, and errors for a broken file. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { RegistryError } from '../../src/errors.js';
import { dockerConfigPath, loadDockerConfig } from '../../src/registry/docker-config.js';

let dir: string;
before(async () => { dir = await mkdtemp(join(tmpdir(), 'docker-config-')); });
after(async () => { await rm(dir, { recursive: true, force: true }); });

const b64 = (s: string): string => Buffer.from(s).toString('base64');

test('path: $DOCKER_CONFIG/config.json, else ~/.docker/config.json', () => {
  assert.equal(dockerConfigPath({ DOCKER_CONFIG: '/x/y' }), '/x/y/config.json');
  assert.equal(dockerConfigPath({}), join(homedir(), '.docker', 'config.json'));
});

test('a missing file means no credentials', async () => {
  const c = await loadDockerConfig({ env: { DOCKER_CONFIG: join(dir, 'nothing') } });
  assert.equal(c.exists, false);
  assert.equal(c.path, join(dir, 'nothing', 'config.json'));
  assert.equal(await c.credentialsFor('docker.io'), undefined);
});

test('entries: auth, username/password, identitytoken; Docker Hub under https://index.docker.io/v1/', async () => {
  const path = join(dir, 'a.json');
  await writeFile(path, JSON.stringify({
    auths: {
      'https://index.docker.io/v1/': { auth: b64('hub:pw:with:colons') },
      'https://ghcr.io': { username: 'u', password: 'p' },
      'registry.example:5000': { identitytoken: 'tok' },
      'empty.example': {},
    },
    somethingElse: { kept: true },
  }));
  const c = await loadDockerConfig({ path });
  assert.deepEqual(await c.credentialsFor('docker.io'), { username: 'hub', password: 'pw:with:colons' });
  assert.deepEqual(await c.credentialsFor('ghcr.io'), { username: 'u', password: 'p' });
  assert.deepEqual(await c.credentialsFor('registry.example:5000'), { identityToken: 'tok' });
  assert.equal(await c.credentialsFor('registry.example'), undefined, 'the port is part of the key');
  assert.equal(await c.credentialsFor('empty.example'), undefined);
});

test('broken files are one-line errors naming the file', async () => {
  const bad = [
    ['{not json', /^invalid JSON in .*b0\.json$/],
    [JSON.stringify({ auths: { h: { auth: 5 } } }), /^invalid .*b1\.json: \/auths\/h\/auth: Expected string$/],
    [JSON.stringify({ auths: { h: { auth: b64('nocolon') } } }), /^invalid "auth" for h in .*b2\.json: expected base64 of user:password$/],
  ] as const;
  for (const [i, [text, re]] of bad.entries()) {
    const path = join(dir, `b${i}.json`);
    await writeFile(path, text);
    await assert.rejects((async () => (await loadDockerConfig({ path })).credentialsFor('h'))(), (e: unknown) => {
      assert.ok(e instanceof RegistryError);
      assert.match(e.message, re);
      return true;
    });
  }
});
