/** buildkitd.toml reading: the keys we use, unknown keys ignored, wrong types and unreadable files named, flags win. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlagError } from '../../src/errors.js';
import { loadBuildkitdConfig, parseBuildkitdConfig } from '../../src/config/buildkitd-config.js';
import { applyBuildkitdConfig } from '../../src/config/daemon-config.js';
import { hostConfigResolver } from '../../src/config/registry-hosts.js';
import { registryEndpoints } from '../../src/registry/host-config.js';

let dir: string;
let count = 0;
before(async () => { dir = await mkdtemp(join(tmpdir(), 'buildkitd-config-')); });
after(async () => { await rm(dir, { recursive: true, force: true }); });

async function configFile(text: string): Promise<string> {
  const p = join(dir, `c${count++}.toml`);
  await writeFile(p, text);
  return p;
}

test('BuildKit\'s documented example parses; keys we do not use are ignored', async () => {
  await writeFile(join(dir, 'ca.pem'), 'CA PEM');
  await writeFile(join(dir, 'cert.pem'), 'CERT PEM');
  await writeFile(join(dir, 'key.pem'), 'KEY PEM');
  const file = await configFile(`
debug = true
root = "/var/lib/buildkit"
insecure-entitlements = [ "network.host", "security.insecure" ]
[grpc]
  address = [ "tcp://0.0.0.0:1234" ]
  [grpc.tls]
    cert = "/etc/buildkit/tls.crt"
[worker.oci]
  enabled = true
  platforms = [ "linux/amd64", "linux/arm64" ]
  snapshotter = "overlayfs"
  noProcessSandbox = true
  gc = true
  [[worker.oci.gcpolicy]]
    keepBytes = 10240000
[worker.containerd]
  address = "/run/containerd/containerd.sock"
[registry."docker.io"]
  mirrors = ["yourmirror.local:5000", "core.harbor.domain/proxy.docker.io"]
  http = true
  insecure = true
  ca = ["ca.pem"]
  [[registry."docker.io".keypair]]
    key = "key.pem"
    cert = "cert.pem"
[registry."yourmirror.local:5000"]
  http = true
[frontend."dockerfile.v0"]
  enabled = true
`);
  const c = loadBuildkitdConfig(file);
  assert.equal(c.file.debug, true);
  assert.equal(c.file.worker?.oci?.snapshotter, 'overlayfs');
  const hub = c.registries.get('docker.io');
  assert.deepEqual(hub?.ca, ['CA PEM']);
  assert.deepEqual(hub?.keypairs, [{ cert: 'CERT PEM', key: 'KEY PEM' }]);
  const resolve = hostConfigResolver(c);
  assert.deepEqual(resolve('docker.io'), {
    http: true, insecure: true, ca: ['CA PEM'], keypairs: [{ cert: 'CERT PEM', key: 'KEY PEM' }],
    mirrors: ['yourmirror.local:5000', 'core.harbor.domain/proxy.docker.io'], source: { file, section: 'docker.io' },
  });
  assert.equal(resolve('registry-1.docker.io').source?.section, 'docker.io', "Docker Hub's API host takes the docker.io section");
  assert.deepEqual(resolve('ghcr.io'), { http: false, source: { file } });
  assert.deepEqual(resolve('127.0.0.1:5000'), { http: true, source: { file } }, 'loopback is plain HTTP by default');
});

test('endpoints: mirrors (with their own settings and path) first for pulls only, then insecure HTTPS, then HTTP', async () => {
  const file = await configFile(`
[registry."docker.io"]
  mirrors = ["mirror.local:5000", "harbor.example/proxy.docker.io/"]
  insecure = true
  http = true
[registry."mirror.local:5000"]
  http = true
`);
  const resolve = hostConfigResolver(loadBuildkitdConfig(file));
  const pull = registryEndpoints('docker.io', resolve, { actions: ['pull'], method: 'GET' });
  assert.deepEqual(pull.map((e) => [e.origin + e.prefix, e.authHost, e.mirror]), [
    ['http://mirror.local:5000/v2/', 'mirror.local:5000', true],
    ['https://harbor.example/v2/proxy.docker.io/', 'harbor.example', true],
    ['https://registry-1.docker.io/v2/', 'docker.io', false],
    ['http://registry-1.docker.io/v2/', 'docker.io', false],
  ]);
  assert.equal(pull[2]!.config.insecure, true);
  const push = registryEndpoints('docker.io', resolve, { actions: ['pull', 'push'], method: 'POST' });
  assert.deepEqual(push.map((e) => e.origin), ['https://registry-1.docker.io', 'http://registry-1.docker.io'], 'never push to a mirror');
  const head = registryEndpoints('docker.io', resolve, { actions: ['pull'], method: 'HEAD', absoluteUrl: true });
  assert.ok(head.every((e) => !e.mirror), 'an address the registry handed out is not sent to mirrors');
  const plain = registryEndpoints('127.0.0.1:5000', resolve, { actions: ['pull'] });
  assert.deepEqual(plain.map((e) => e.origin), ['http://127.0.0.1:5000']);
  const tls = registryEndpoints('ghcr.io', resolve, { actions: ['pull'] });
  assert.deepEqual(tls.map((e) => e.origin), ['https://ghcr.io']);
});

test('wrong types, bad TOML, unsupported values and unreadable files are one line naming the file and key', async () => {
  const cases: [string, RegExp][] = [
    ['[registry."127.0.0.1:5000"]\nhttp = "yes"\n', /^(\S+\.toml): registry\."127\.0\.0\.1:5000"\.http: expected boolean$/],
    ['[registry."h"]\nca = "/one.pem"\n', /^\S+\.toml: registry\.h\.ca: expected array$/],
    ['[registry."h"]\nmirrors = [1]\n', /^\S+\.toml: registry\.h\.mirrors\[0\]: expected string$/],
    ['[worker.oci]\nnoProcessSandbox = 1\n', /^\S+\.toml: worker\.oci\.noProcessSandbox: expected boolean$/],
    ['[worker.oci]\nsnapshotter = "stargz"\n', /^\S+\.toml: worker\.oci\.snapshotter = "stargz" is not supported \(auto, overlayfs, native\)$/],
    ['root = 5\n', /^\S+\.toml: root: expected string$/],
    ['[registry."h"\nhttp = true\n', /^\S+\.toml:1: invalid TOML: /],
    ['[registry."h"]\nca = ["missing.pem"]\n', /^\S+\.toml: registry\."h"\.ca\[0\]: cannot read \S+\/missing\.pem: file does not exist$/],
    ['[[registry."h".keypair]]\nkey = "nokey.pem"\ncert = "nocert.pem"\n', /^\S+\.toml: registry\."h"\.keypair\[0\]\.cert: cannot read \S+nocert\.pem: file does not exist$/],
  ];
  for (const [text, re] of cases) {
    const file = await configFile(text);
    assert.throws(() => loadBuildkitdConfig(file), (e: unknown) => {
      assert.ok(e instanceof FlagError, String(e));
      assert.match(e.message, re);
      assert.ok(!e.message.includes('\n'), 'one line');
      assert.ok(e.message.startsWith(file), 'names the file');
      return true;
    });
  }
});

test('tlsconfigdir: *.crt are CAs, NAME.cert + NAME.key a client keypair; a missing dir is skipped', async () => {
  const certs = join(dir, 'certs.d');
  await mkdir(certs);
  await writeFile(join(certs, 'ca.crt'), 'DIR CA');
  await writeFile(join(certs, 'client.cert'), 'DIR CERT');
  await writeFile(join(certs, 'client.key'), 'DIR KEY');
  const c = parseBuildkitdConfig(join(dir, 'x.toml'), '[registry."h"]\ntlsconfigdir = ["certs.d", "nowhere"]\n');
  assert.deepEqual(c.registries.get('h')?.ca, ['DIR CA']);
  assert.deepEqual(c.registries.get('h')?.keypairs, [{ cert: 'DIR CERT', key: 'DIR KEY' }]);
});

test('daemon settings from the file fill what flags did not set; flags win', async () => {
  const file = await configFile('root = "state"\ndebug = true\n[worker.oci]\nsnapshotter = "native"\nnoProcessSandbox = true\n');
  assert.deepEqual(applyBuildkitdConfig({ debug: false, noProcessSandbox: false, config: file }), {
    debug: true, noProcessSandbox: true, snapshotter: 'native', root: join(dir, 'state'), config: file,
  });
  const flags = applyBuildkitdConfig({ debug: false, root: '/flag/root', snapshotter: 'overlayfs', config: file });
  assert.equal(flags.root, '/flag/root');
  assert.equal(flags.snapshotter, 'overlayfs');
  const none = { debug: false };
  assert.equal(applyBuildkitdConfig(none), none, 'no --config: unchanged');
});
