import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { BIN, REPO } from './paths.js';
import { run } from './run.js';

const buildctl = (args: string[]) => run(BIN, args, { cwd: REPO });

test('usage errors: exactly one line on stderr, exit 1, nothing on stdout', async () => {
  const cases: Array<[string[], string]> = [
    [[], 'error: a command is required: build, du, prune, doctor or debug dump-llb (see buildctl --help)'],
    [['bild'], 'error: unknown command or argument "bild" (did you mean "build"?)'],
    [['build', 'b'], 'error: unexpected argument "b"'],
    [['build', '--locl', 'context=.'], 'error: unknown flag --locl (did you mean --local?)'],
    [['debug'], 'error: debug needs a subcommand: dump-llb'],
    [['build', '--progress', 'fancy'], 'error: invalid --progress "fancy": expected one of auto, plain, tty, rawjson, quiet'],
  ];
  for (const [args, line] of cases) {
    const r = await buildctl(args);
    assert.equal(r.code, 1, args.join(' '));
    assert.equal(r.stdout, '', args.join(' '));
    assert.equal(r.stderr, `${line}\n`, args.join(' '));
  }
});

test('flag errors: error line (and hint line), exit 1', async () => {
  const r = await buildctl(['build', '--local', 'context=.', '-o', 'type=local,dets=out']);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, 'error: unknown key "dets" in --output type=local (did you mean "dest"?)\nhint: known keys: dest\n');
  const f = await buildctl(['b', '--frontend', 'gateway.v0']);
  assert.equal(f.code, 1);
  assert.match(f.stderr, /^error: --frontend gateway.v0 is not supported.*\nhint: gateway frontends/);
  const l = await buildctl(['build', '--local', 'context=/nonexistent-dir']);
  assert.equal(l.stderr, 'error: --local context=/nonexistent-dir: directory /nonexistent-dir does not exist\n');
});

test('--help and --version: stdout, exit 0', async () => {
  const pkg = JSON.parse(readFileSync(`${REPO}package.json`, 'utf8')) as { version: string };
  const v = await buildctl(['--version']);
  assert.equal(v.code, 0);
  assert.equal(v.stdout.trim(), `buildctl buildkit-daemonless-ts v${pkg.version}`);
  const h = await buildctl(['--help']);
  assert.equal(h.code, 0);
  assert.match(h.stdout, /Commands:[\s\S]*build[\s\S]*--oci-worker-no-process-sandbox/);
  const bh = await buildctl(['build', '--help']);
  assert.equal(bh.code, 0);
  assert.match(bh.stdout, /--metadata-file/);
  assert.equal(bh.stderr, '');
});
