/**
 * Registry settings and credentials end to end, root and rootless: builds pull FROM a docker-registry with
 * htpasswd over TLS with a test CA, told how to reach it by a buildkitd.toml given as BUILDKITD_FLAGS=--config FILE
 * and how to log in by $DOCKER_CONFIG/config.json (an `auth` entry, or a docker-credential-* helper script as
 * credsStore). Bad input: wrong credentials, a missing ca, an unknown host, a broken config: one line, non-zero
 * exit, and no credential in the output, also with --debug.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { testEnv } from '../helpers/env.js';
import { pushLayout, startRegistry, type RunningRegistry } from '../helpers/registry.js';
import { makeTestCA, type TestCA } from '../config/tls-fixtures.js';
import { startTokenRegistry, type TokenRegistry } from '../registry/token-registry.js';
import { buildArgs } from './helpers.js';
import { testWorkers } from './workers.js';

const USER = 'e2e-user';
const PASSWORD = 'e2e-Pa55word-very-secret';
const b64 = (s: string): string => Buffer.from(s).toString('base64');

let ca: TestCA;
let reg: RunningRegistry;
/** Token auth (a JWT token server) over an anonymous registry's storage: the same images, other auth. */
let open: RunningRegistry;
let token: TokenRegistry;
const REFRESH = 'e2e-refresh-token-secret';
/** Files every worker may read: configs, helper scripts, the CA. */
let shared: string;
let n = 0;

before(async () => {
  ca = await makeTestCA();
  await chmod(ca.dir, 0o755);
  for (const f of [ca.caFile, ca.serverCert]) await chmod(f, 0o644);
  reg = await startRegistry({ htpasswd: { user: USER, password: PASSWORD }, tls: { certFile: ca.serverCert, keyFile: ca.serverKey } });
  await pushLayout(testEnv().layouts.busybox, `${reg.host}/private/busybox:latest`, { creds: `${USER}:${PASSWORD}` });
  open = await startRegistry();
  await pushLayout(testEnv().layouts.busybox, `${open.host}/private/busybox:latest`);
  token = await startTokenRegistry({ storageDir: open.storageDir, user: USER, password: PASSWORD, refreshToken: REFRESH });
  shared = await mkdtemp(path.join(tmpdir(), 'e2e-config-'));
  await chmod(shared, 0o755);
});

after(async () => {
  await token?.stop();
  await open?.stop();
  await reg?.stop();
  await ca?.remove();
  if (shared !== undefined) await rm(shared, { recursive: true, force: true });
});

/** A world-readable dir holding these files (mode 0644, or 0755 for names starting with docker-credential-). */
async function files(entries: Record<string, string>): Promise<string> {
  const d = path.join(shared, `f${n++}`);
  await mkdir(d);
  await chmod(d, 0o755);
  for (const [name, text] of Object.entries(entries)) {
    if (name.includes('/')) {
      await mkdir(path.join(d, path.dirname(name)), { recursive: true });
      await chmod(path.join(d, path.dirname(name)), 0o755);
    }
    await writeFile(path.join(d, name), text);
    await chmod(path.join(d, name), name.startsWith('docker-credential-') ? 0o755 : 0o644);
  }
  return d;
}

const tlsConfig = (): string => `# a test CA\n[registry."${reg.host}"]\n  http = false\n  ca = ["${ca.caFile}"]\n[worker.oci]\n  gc = true\n`;
const authJson = (password: string): string => JSON.stringify({ auths: { [reg.host]: { auth: b64(`${USER}:${password}`) } } });

for (const w of testWorkers()) describe(w.name, () => {
  const dockerfile = (): string => `FROM ${reg.host}/private/busybox:latest\nRUN busybox echo pulled > /pulled\n`;

  async function build(env: NodeJS.ProcessEnv, extraFlags: string[] = []): Promise<{ code: number; stderr: string; dest: string }> {
    const ctx = await w.makeDir({ Dockerfile: dockerfile() });
    const dest = await w.tempPath('out');
    const r = await w.buildctl(buildArgs(ctx, '--output', `type=local,dest=${dest}`, ...extraFlags), { env });
    return { code: r.code, stderr: r.stderr, dest };
  }

  function assertNoSecrets(s: string): void {
    for (const secret of [PASSWORD, b64(`${USER}:${PASSWORD}`), 'wrong-' + PASSWORD, b64(`${USER}:wrong-${PASSWORD}`)]) {
      assert.ok(!s.includes(secret), `output leaks a credential: ${s}`);
    }
  }

  test('FROM a TLS + htpasswd registry: ca from --config (BUILDKITD_FLAGS), credentials from $DOCKER_CONFIG/config.json', async () => {
    const d = await files({ 'buildkitd.toml': tlsConfig(), 'config.json': authJson(PASSWORD) });
    const r = await build({ BUILDKITD_FLAGS: `--config ${d}/buildkitd.toml`, DOCKER_CONFIG: d });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await readFile(path.join(r.dest, 'pulled'), 'utf8'), 'pulled\n');
    assertNoSecrets(r.stderr);
  });

  test('credentials from a docker-credential-* helper named by credsStore', async () => {
    const helper = `#!/bin/sh\nread server\nif [ "$server" = "${reg.host}" ]; then printf '{"ServerURL":"%s","Username":"${USER}","Secret":"${PASSWORD}"}' "$server"; else echo "credentials not found in native keychain"; exit 1; fi\n`;
    const d = await files({
      'buildkitd.toml': tlsConfig(), 'config.json': JSON.stringify({ credsStore: 'e2etest' }), 'docker-credential-e2etest': helper,
    });
    const r = await build({ BUILDKITD_FLAGS: `--config=${d}/buildkitd.toml`, DOCKER_CONFIG: d, PATH: `${d}:${process.env['PATH'] ?? ''}` });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await readFile(path.join(r.dest, 'pulled'), 'utf8'), 'pulled\n');
  });

  test('mirrors: a pull goes to the mirror first (no credentials needed there) and falls back to the origin', async () => {
    // The shared anonymous registry holds test/busybox; the TLS origin does not, and wants a password anyway.
    const mirror = testEnv().registry;
    const toml = `[registry."${reg.host}"]\n  http = false\n  ca = ["${ca.caFile}"]\n  mirrors = ["${mirror}"]\n`;
    const d = await files({ 'buildkitd.toml': toml, 'config.json': authJson(PASSWORD), 'empty/config.json': '{}' });
    const viaMirror = await w.makeDir({ Dockerfile: `FROM ${reg.host}/test/busybox:latest\nRUN busybox echo mirrored > /m\n` });
    const dest = await w.tempPath('out');
    const r = await w.buildctl(buildArgs(viaMirror, '--output', `type=local,dest=${dest}`), { env: { BUILDKITD_FLAGS: `--config ${d}/buildkitd.toml`, DOCKER_CONFIG: `${d}/empty` } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await readFile(path.join(dest, 'm'), 'utf8'), 'mirrored\n');
    const fallback = await build({ BUILDKITD_FLAGS: `--config ${d}/buildkitd.toml`, DOCKER_CONFIG: d });
    assert.equal(fallback.code, 0, fallback.stderr);
    assert.equal(await readFile(path.join(fallback.dest, 'pulled'), 'utf8'), 'pulled\n');
  });

  test('token auth: an identitytoken is exchanged for a bearer token (OAuth2 refresh_token), never printed', async () => {
    const d = await files({ 'config.json': JSON.stringify({ auths: { [token.host]: { identitytoken: REFRESH } } }) });
    const before = token.requests.length;
    const ctx = await w.makeDir({ Dockerfile: `FROM ${token.host}/private/busybox:latest\nRUN busybox echo token > /t\n` });
    const dest = await w.tempPath('out');
    const r = await w.buildctl(buildArgs(ctx, '--output', `type=local,dest=${dest}`), { env: { DOCKER_CONFIG: d, BUILDKITD_FLAGS: '--debug' } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await readFile(path.join(dest, 't'), 'utf8'), 'token\n');
    const made = token.requests.slice(before);
    assert.ok(made.length >= 1 && made.every((q) => q.method === 'POST' && q.as === 'refresh-token'), JSON.stringify(made));
    assert.ok(!r.stderr.includes(REFRESH));
  });

  test('wrong credentials: one line naming the host and config.json, non-zero exit, no secret even with --debug', async () => {
    const d = await files({ 'buildkitd.toml': tlsConfig(), 'config.json': authJson('wrong-' + PASSWORD) });
    for (const debug of [false, true]) {
      const r = await build({ BUILDKITD_FLAGS: `--config ${d}/buildkitd.toml${debug ? ' --debug' : ''}`, DOCKER_CONFIG: d });
      assert.notEqual(r.code, 0);
      const line = `unauthorized: authentication required; check credentials for ${reg.host} in ${d}/config.json`;
      assert.ok(r.stderr.includes(line), r.stderr);
      assert.equal(r.stderr.split('\n').filter((l) => l.startsWith('error: ')).length, 1, r.stderr);
      if (!debug) assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack without --debug');
      assertNoSecrets(r.stderr);
      await assert.rejects(readFile(path.join(r.dest, 'pulled')), 'no output');
    }
  });

  test('no ca for the TLS registry: the error names the section and the config file', async () => {
    const d = await files({ 'buildkitd.toml': `[registry."${reg.host}"]\nhttp = false\n`, 'config.json': authJson(PASSWORD) });
    const r = await build({ BUILDKITD_FLAGS: `--config ${d}/buildkitd.toml`, DOCKER_CONFIG: d });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, new RegExp(`error: .*${reg.host}: TLS handshake failed: .* \\(registry\\."${reg.host.replace(/\./g, '\\.')}" has no ca set in ${d}/buildkitd\\.toml\\) \\(FROM ${reg.host.replace(/\./g, '\\.')}/private/busybox:latest\\)\\n`));
  });

  test('an unknown host is one line and a non-zero exit', async () => {
    const ctx = await w.makeDir({ Dockerfile: 'FROM nosuch-registry.invalid/x/y:1\n' });
    const r = await w.buildctl(buildArgs(ctx, '--output', `type=local,dest=${await w.tempPath('out')}`));
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /error: .*failed to resolve nosuch-registry\.invalid\/x\/y:1: .*ENOTFOUND nosuch-registry\.invalid/);
  });

  test('a wrongly typed key in the config is one line naming the file and the key', async () => {
    const d = await files({ 'buildkitd.toml': `[registry."${reg.host}"]\nhttp = "no"\n` });
    const r = await build({ BUILDKITD_FLAGS: `--config ${d}/buildkitd.toml` });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, new RegExp(`error: ${d}/buildkitd\\.toml: registry\\."${reg.host.replace(/\./g, '\\.')}"\\.http: expected boolean\\n`));
  });
});
