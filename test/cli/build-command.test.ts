import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { STUB_LAUNCHER } from './paths.js';
import { run, type OnStderr } from './run.js';

const dir = mkdtempSync(path.join(tmpdir(), 'build-command-'));
const buildctl = (args: string[], env: NodeJS.ProcessEnv = {}, onStderr?: OnStderr) =>
  run(process.execPath, [STUB_LAUNCHER, ...args], { cwd: dir, env: { STUB_MODE: 'ok', ...env }, ...(onStderr ? { onStderr } : {}) });

test('success: plain progress on stderr, nothing on stdout, metadata file written atomically with sorted keys', async () => {
  const r = await buildctl(['build', '--progress=plain', '--local', 'context=.', '--metadata-file', 'meta.json']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^#1 \[stage-0 1\/1\] RUN echo hello\n#1 0\.\d{3} hello\n#1 DONE \d\.\ds\n$/);
  assert.equal(readFileSync(path.join(dir, 'meta.json'), 'utf8'),
    '{\n  "containerimage.descriptor": {\n    "size": 1\n  },\n  "containerimage.digest": "sha256:abc",\n  "image.name": "example"\n}\n');
  assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
});

test('the request the build gets: typed flags and the daemon options', async () => {
  const requestFile = path.join(dir, 'req.json');
  const r = await buildctl(['--root', 'state', 'build', '--progress=quiet', '--local', 'context=.', '--opt', 'build-arg:A=1',
    '-o', 'type=tar,dest=out.tar', '--no-cache', '--allow', 'network.host', '--oci-worker-no-process-sandbox'], { STUB_REQUEST_FILE: requestFile });
  assert.equal(r.code, 0, r.stderr);
  const { req, daemon } = JSON.parse(readFileSync(requestFile, 'utf8')) as { req: Record<string, unknown>; daemon: Record<string, unknown> };
  assert.deepEqual(daemon, { root: path.join(dir, 'state'), debug: false, noProcessSandbox: true });
  assert.deepEqual(req.locals, { context: dir });
  assert.deepEqual(req.outputs, [{ type: 'tar', dest: path.join(dir, 'out.tar') }]);
  assert.deepEqual((req.frontendOpts as { buildArgs: unknown }).buildArgs, { A: '1' });
  assert.equal(req.noCache, true);
  assert.deepEqual(req.allow, ['network.host']);
});

test('dest=- : stdout carries only the output, progress stays on stderr', async () => {
  const r = await buildctl(['build', '--progress=plain', '-o', 'type=tar,dest=-'], { STUB_MODE: 'stdout' });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'TARSTREAM');
  assert.match(r.stderr, /#1 DONE/);
});

test('a BuildError: progress, then "error: <oneLine>" with its location, exit 1, no stack', async () => {
  const r = await buildctl(['build', '--progress=plain'], { STUB_MODE: 'fail' });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /#1 ERROR: process "\/bin\/sh -c false" did not complete successfully: exit code: 1\nerror: Dockerfile:2: process "\/bin\/sh -c false" did not complete successfully: exit code: 1 \(RUN false\)\n$/);
});

test('another error: one line without --debug, the stack with it', async () => {
  const r = await buildctl(['build', '--progress=quiet'], { STUB_MODE: 'crash' });
  assert.equal(r.code, 1);
  assert.equal(r.stderr, 'error: something unexpected\n');
  const d = await buildctl(['--debug', 'build', '--progress=quiet'], { STUB_MODE: 'crash' });
  assert.equal(d.code, 1);
  assert.match(d.stderr, /^error: something unexpected\nError: something unexpected\nsecond line\n    at runBuild .*stub-build\.js/);
});

test('SIGINT aborts the build through the signal; the build cleans up; exit 130', async () => {
  const marker = path.join(dir, 'cleaned');
  const r = await buildctl(['build', '--progress=plain'], { STUB_MODE: 'hang', STUB_CLEANUP_FILE: marker },
    { marker: 'STUB READY', then: (child) => child.kill('SIGINT') });
  assert.equal(r.code, 130);
  assert.ok(existsSync(marker), 'runBuild saw the abort and cleaned up before the exit');
  assert.match(r.stderr, /#1 CANCELED\nerror: canceled by SIGINT\n$/);
});

test('SIGTERM: exit 143', async () => {
  const r = await buildctl(['build', '--progress=quiet'], { STUB_MODE: 'hang' }, { marker: 'STUB READY', then: (child) => child.kill('SIGTERM') });
  assert.equal(r.code, 143);
  assert.match(r.stderr, /error: canceled by SIGTERM\n$/);
});

test('a second SIGINT exits at once when the build does not stop', async () => {
  const started = Date.now();
  const r = await buildctl(['build', '--progress=quiet'], { STUB_MODE: 'stuck' }, {
    marker: 'STUB READY',
    then: (child) => { child.kill('SIGINT'); setTimeout(() => child.kill('SIGINT'), 1200); },
  });
  assert.equal(r.code, 130);
  assert.ok(Date.now() - started < 5000);
});

test('copies of the first SIGINT (process group + rootlesskit forwarding) do not cut the cleanup short', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'stub-'));
  const marker = path.join(dir, 'cleaned');
  const r = await buildctl(['build', '--progress=quiet'], { STUB_MODE: 'hang', STUB_CLEANUP_FILE: marker }, {
    marker: 'STUB READY',
    then: (child) => { child.kill('SIGINT'); child.kill('SIGINT'); setTimeout(() => child.kill('SIGINT'), 50); },
  });
  assert.equal(r.code, 130);
  assert.ok(existsSync(marker), 'the cleanup ran to its end');
});

test('debug dump-llb: one JSON object per line on stdout', async () => {
  const r = await buildctl(['debug', 'dump-llb', '--local', 'context=.']);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { Digest: string });
  assert.deepEqual(lines.map((l) => l.Digest), ['sha256:1', 'sha256:2']);
});
