import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createProgress } from '../../src/progress/index.js';
import { createQuietProgress } from '../../src/progress/quiet.js';
import { createRawJsonProgress } from '../../src/progress/rawjson.js';
import { clearSecrets, redact, registerSecret } from '../../src/progress/redact.js';
import { Clock, Collector } from './collect.js';

test('rawjson: one SolveStatus-shaped object per line; log data base64', async () => {
  const stream = new Collector();
  const clock = new Clock();
  const sink = createRawJsonProgress({ stream, now: clock.now });
  const v = sink.vertex('[1/1] RUN echo hi');
  v.start();
  v.log(1, 'hi\n');
  v.status('step status');
  clock.advance(500);
  v.done();
  sink.warn('careful');
  await sink.close();
  const lines = stream.text.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown[]>);
  assert.equal(lines.length, 6);
  assert.deepEqual(lines[0], { vertexes: [{ digest: '#1', name: '[1/1] RUN echo hi' }] });
  assert.deepEqual(lines[1], { vertexes: [{ digest: '#1', name: '[1/1] RUN echo hi', started: new Date(1_700_000_000_000).toISOString() }] });
  const log = lines[2]!.logs![0] as { vertex: string; stream: number; data: string };
  assert.equal(log.vertex, '#1');
  assert.equal(log.stream, 1);
  assert.equal(Buffer.from(log.data, 'base64').toString(), 'hi\n');
  assert.equal((lines[3]!.statuses![0] as { id: string }).id, 'step status');
  assert.equal((lines[4]!.vertexes![0] as { completed: string }).completed, new Date(1_700_000_000_500).toISOString());
  assert.equal(Buffer.from((lines[5]!.warnings![0] as { short: string }).short, 'base64').toString(), 'careful');
});

test('quiet: nothing for successful steps; a failed step with its output tail', async () => {
  const stream = new Collector();
  const sink = createQuietProgress({ stream, now: new Clock().now });
  const ok = sink.vertex('ok');
  ok.start();
  ok.log(1, 'fine\n');
  ok.done();
  sink.vertex('cached').cached();
  sink.warn('a warning');
  const bad = sink.vertex('[2/2] RUN make');
  bad.start();
  bad.log(2, 'make: *** no rule\n');
  bad.error('exit code: 2');
  await sink.close();
  assert.equal(stream.text, '#3 [2/2] RUN make\n#3 0.000 make: *** no rule\n#3 ERROR: exit code: 2\n');
});

test('createProgress: auto and tty fall back to plain without a terminal; tty draws on a terminal', async () => {
  for (const mode of ['auto', 'tty'] as const) {
    const stream = new Collector(false);
    const sink = createProgress(mode, stream);
    const v = sink.vertex('[1/1] RUN x');
    v.start();
    v.done();
    await sink.close();
    assert.match(stream.text, /^#1 \[1\/1\] RUN x\n#1 DONE \d\.\ds\n$/, mode);
  }
  const tty = new Collector(true, 60);
  const sink = createProgress('tty', tty);
  const v = sink.vertex('[stage-1 2/3] RUN make');
  v.start();
  v.log(1, 'building\n');
  v.done();
  const bad = sink.vertex('[stage-1 3/3] RUN false');
  bad.start();
  bad.log(2, 'boom\n');
  bad.error('exit code: 1');
  sink.vertex('[stage-0 1/1] FROM busybox').cached();
  await sink.close();
  const screen = tty.text.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');
  assert.match(screen, / => \[stage-1 2\/3\] RUN make +\d\.\ds\n/);
  assert.match(screen, / => ERROR \[stage-1 3\/3\] RUN false +\d\.\ds\n > 0\.\d{3} boom\n => ERROR: exit code: 1\n/);
  assert.match(screen, / => CACHED \[stage-0 1\/1\] FROM busybox +0\.0s\n/);
  assert.match(screen, /\[\+\] Building \d+\.\ds \(3\/3\) ERROR\n$/);
  for (const line of screen.split('\n').filter((l) => !l.startsWith(' > ') && !l.startsWith(' => ERROR:'))) {
    assert.ok(line.length <= 60, `line fits the terminal: ${JSON.stringify(line)}`);
  }
});

test('redact: control characters, escapes, secrets (longest first), URL passwords, auth headers', () => {
  clearSecrets();
  assert.equal(redact('a\tb\nc\x00d\x1b[2Je\x1b]0;title\x07f\x9bg'), 'a\tb\ncdefg');
  registerSecret('abc');
  assert.equal(redact('abc'), 'abc', 'values shorter than 4 characters are not masked');
  registerSecret('password1');
  registerSecret('password12345');
  assert.equal(redact('x password12345 y password1'), 'x *** y ***');
  registerSecret('a.b*c');
  assert.equal(redact('regex a.b*c and aXbbc'), 'regex *** and aXbbc');
  assert.equal(redact('git clone https://bob:tok3n@github.com/x'), 'git clone https://bob:***@github.com/x');
  assert.equal(redact('Authorization: Bearer eyJhbGciOi.abc'), 'Authorization: Bearer ***');
  clearSecrets();
  assert.equal(redact('password1'), 'password1');
});
