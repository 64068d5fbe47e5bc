import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseCacheSpec } from '../../src/cli/cache-flag.js';
import { parseDaemonOptions } from '../../src/cli/daemon-flags.js';
import { parseLocals } from '../../src/cli/local-flag.js';
import { parseFrontendOpts } from '../../src/cli/opt-flag.js';
import { BuildArgvSchema, checkArgv } from '../../src/cli/schemas.js';
import { parseAllow, parseSecret, parseSsh } from '../../src/cli/secret-flag.js';
import { clearSecrets, redact } from '../../src/progress/redact.js';

const cwd = mkdtempSync(path.join(tmpdir(), 'cli-flags-'));
mkdirSync(path.join(cwd, 'ctx'));
writeFileSync(path.join(cwd, 'file'), 'x');
writeFileSync(path.join(cwd, 'buildkitd.toml'), '# nothing set\n');

test('--opt: filename, target, build-args (value may hold "="), everything kept in raw', () => {
  const o = parseFrontendOpts(['filename=ci/Dockerfile', 'target=release', 'build-arg:A=1=2', 'build-arg:EMPTY=', 'context:x=y', 'build-arg:A=3']);
  assert.equal(o.filename, 'ci/Dockerfile');
  assert.equal(o.target, 'release');
  assert.deepEqual([...o.buildArgs], [['A', '3'], ['EMPTY', '']]);
  assert.equal(o.raw.get('context:x'), 'y');
  assert.equal(o.raw.get('filename'), 'ci/Dockerfile');
  assert.equal(parseFrontendOpts([]).filename, 'Dockerfile');
  assert.throws(() => parseFrontendOpts(['novalue']), /invalid --opt "novalue": expected KEY=VALUE/);
  assert.throws(() => parseFrontendOpts(['build-arg:=x']), /build-arg: needs a name/);
  assert.throws(() => parseFrontendOpts(['filename=']), /needs a file name/);
});

test('--local: NAME=DIR, made absolute; missing, non-dir and malformed are errors naming the flag', () => {
  assert.deepEqual([...parseLocals(['context=ctx', 'dockerfile=.'], cwd)], [['context', path.join(cwd, 'ctx')], ['dockerfile', cwd]]);
  assert.throws(() => parseLocals(['context=nope'], cwd), /^FlagError: --local context=nope: directory .*nope does not exist$/);
  assert.throws(() => parseLocals(['context=file'], cwd), /--local context=file: .* is not a directory/);
  assert.throws(() => parseLocals(['context'], cwd), /invalid --local "context": expected NAME=DIR/);
  assert.throws(() => parseLocals(['context=ctx', 'context=.'], cwd), /--local context given twice/);
});

test('--export-cache / --import-cache: per-type keys with did-you-mean, legacy ref form, required keys', () => {
  assert.deepEqual(parseCacheSpec('type=registry,ref=r/c,mode=max', 'export', cwd), { type: 'registry', attrs: { ref: 'r/c', mode: 'max' } });
  assert.deepEqual(parseCacheSpec('r/c:tag', 'import', cwd), { type: 'registry', attrs: { ref: 'r/c:tag' } });
  assert.deepEqual(parseCacheSpec('type=local,src=cache', 'import', cwd), { type: 'local', attrs: { src: path.join(cwd, 'cache') } });
  assert.throws(() => parseCacheSpec('type=registry,ref=r,mod=max', 'export', cwd), /unknown key "mod" in --export-cache type=registry \(did you mean "mode"\?\)/);
  assert.throws(() => parseCacheSpec('type=registry,ref=r,mode=maximum', 'export', cwd), /expected one of min, max/);
  assert.throws(() => parseCacheSpec('type=local', 'export', cwd), /needs dest=/);
  assert.throws(() => parseCacheSpec('type=gha', 'export', cwd), /type=gha is not supported/);
  assert.throws(() => parseCacheSpec('type=inline', 'import', cwd), /type=inline is not supported/);
});

test('--secret: src read and registered for redaction; env; id defaults', () => {
  clearSecrets();
  writeFileSync(path.join(cwd, 'token'), 'hunter2-token-value\n');
  assert.deepEqual(parseSecret('id=tok,src=token', { cwd, vars: {} }), { id: 'tok', src: path.join(cwd, 'token') });
  assert.equal(redact('echo hunter2-token-value'), 'echo ***');
  assert.deepEqual(parseSecret('id=E,env=MY_VAR', { cwd, vars: { MY_VAR: 'from-the-environment' } }), { id: 'E', env: 'MY_VAR' });
  assert.equal(redact('x from-the-environment y'), 'x *** y');
  assert.deepEqual(parseSecret('id=GITHUB_TOKEN', { cwd, vars: {} }), { id: 'GITHUB_TOKEN', env: 'GITHUB_TOKEN' });
  assert.deepEqual(parseSecret('type=env,id=a,src=VAR', { cwd, vars: {} }), { id: 'a', env: 'VAR' });
  assert.throws(() => parseSecret('id=x,src=missing', { cwd, vars: {} }), /--secret id=x,src=missing: file .*missing does not exist/);
  assert.throws(() => parseSecret('id=x,scr=token', { cwd, vars: {} }), /unknown key "scr" in --secret \(did you mean "src"\?\)/);
  assert.throws(() => parseSecret('type=ssh,id=x', { cwd, vars: {} }), /unsupported type "ssh"/);
  clearSecrets();
});

test('--ssh and --allow', () => {
  assert.deepEqual(parseSsh('default', cwd), { id: 'default', paths: [] });
  assert.deepEqual(parseSsh('gh=/run/agent.sock,key', cwd), { id: 'gh', paths: ['/run/agent.sock', path.join(cwd, 'key')] });
  assert.throws(() => parseSsh('=x', cwd), /invalid --ssh/);
  assert.equal(parseAllow('network.host'), 'network.host');
  assert.throws(() => parseAllow('network.hots'), /did you mean "network.host"/);
});

test('argv schema: one or many values, enums checked with the choices in the message', () => {
  const ok = checkArgv(BuildArgvSchema, { _: ['build'], local: ['a=b', 'c=d'], progress: 'plain', 'no-cache': true });
  assert.deepEqual(ok.local, ['a=b', 'c=d']);
  assert.throws(() => checkArgv(BuildArgvSchema, { progress: 'fancy' }), /invalid --progress "fancy": expected one of auto, plain, tty, rawjson, quiet/);
  assert.throws(() => checkArgv(BuildArgvSchema, { 'no-cache': 'yes' }), /invalid --no-cache/);
});

test('daemon flags: --root absolute, --config must exist, snapshotter and net choices, last value wins', () => {
  const d = parseDaemonOptions({ root: ['a', 'state'], 'oci-worker-no-process-sandbox': true, 'oci-worker-snapshotter': 'native', 'oci-worker-net': 'host', config: 'buildkitd.toml' }, cwd);
  assert.deepEqual(d, { root: path.join(cwd, 'state'), debug: false, snapshotter: 'native', noProcessSandbox: true, net: 'host', config: path.join(cwd, 'buildkitd.toml') });
  assert.deepEqual(parseDaemonOptions({}, cwd), { debug: false, noProcessSandbox: false });
  assert.throws(() => parseDaemonOptions({ config: 'nope.toml' }, cwd), /--config nope.toml: file does not exist/);
  assert.throws(() => parseDaemonOptions({ 'oci-worker-snapshotter': 'stargz' }, cwd), /not supported/);
  assert.throws(() => parseDaemonOptions({ 'oci-worker-net': 'cni' }, cwd), /not supported/);
});
