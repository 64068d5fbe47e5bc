import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPlainProgress } from '../../src/progress/plain.js';
import { clearSecrets, registerSecret } from '../../src/progress/redact.js';
import { Clock, Collector } from './collect.js';

function setup() {
  const stream = new Collector();
  const clock = new Clock();
  return { stream, clock, sink: createPlainProgress({ stream, now: clock.now }) };
}

test('plain: done, status, log lines with seconds since start, cached, in buildctl shape', async () => {
  const { stream, clock, sink } = setup();
  const load = sink.vertex('[internal] load build definition from Dockerfile');
  load.start();
  load.status('transferring dockerfile: 152B done');
  clock.advance(20);
  load.done();
  const run = sink.vertex('[stage-1 2/3] RUN echo hello');
  const copy = sink.vertex('[stage-1 3/3] COPY --from=build /out /out');
  run.start();
  clock.advance(153);
  run.log(1, 'hello\n');
  clock.advance(147);
  run.done();
  copy.cached();
  await sink.close();
  assert.equal(stream.text, [
    '#1 [internal] load build definition from Dockerfile',
    '#1 transferring dockerfile: 152B done',
    '#1 DONE 0.0s',
    '',
    '#2 [stage-1 2/3] RUN echo hello',
    '#2 0.153 hello',
    '#2 DONE 0.3s',
    '',
    '#3 [stage-1 3/3] COPY --from=build /out /out',
    '#3 CACHED',
    '',
  ].join('\n'));
});

test('plain: log timestamps use 3, 2, then 1 decimals; chunks are cut into whole lines', async () => {
  const { stream, clock, sink } = setup();
  const v = sink.vertex('step');
  v.start();
  v.log(1, 'a');
  v.log(1, 'b\nc\r\nd\re');
  clock.advance(12_345);
  v.log(2, Buffer.from('two\n'));
  clock.advance(100_000);
  v.log(1, 'late\n');
  v.log(1, 'tail without newline');
  v.done();
  await sink.close();
  assert.equal(stream.text, [
    '#1 step',
    '#1 0.000 ab',
    '#1 0.000 c',
    '#1 0.000 d',
    '#1 12.35 two',
    '#1 112.3 elate',
    '#1 112.3 tail without newline',
    '#1 DONE 112.3s',
    '',
  ].join('\n'));
});

test('plain: UTF-8 split across chunks is decoded whole', async () => {
  const { stream, sink } = setup();
  const v = sink.vertex('utf8');
  v.start();
  const bytes = Buffer.from('héllo ✓\n');
  v.log(1, bytes.subarray(0, 2));
  v.log(1, bytes.subarray(2, 9));
  v.log(1, bytes.subarray(9));
  v.done();
  await sink.close();
  assert.match(stream.text, /#1 0\.000 héllo ✓\n/);
});

test('plain: interleaved vertices get "#N ..." and a fresh header when another printed in between', async () => {
  const { stream, clock, sink } = setup();
  const a = sink.vertex('[a 1/1] RUN a');
  const b = sink.vertex('[b 1/1] RUN b');
  a.start();
  a.log(1, 'a1\n');
  b.start();
  clock.advance(100);
  b.log(1, 'b1\n');
  a.log(1, 'a2\n');
  a.done();
  b.log(1, 'b2\n');
  b.done();
  await sink.close();
  assert.equal(stream.text, [
    '#1 [a 1/1] RUN a',
    '#1 0.000 a1',
    '#1 ...',
    '',
    '#2 [b 1/1] RUN b',
    '#2 0.100 b1',
    '#2 ...',
    '',
    '#1 [a 1/1] RUN a',
    '#1 0.100 a2',
    '#1 DONE 0.1s',
    '',
    '#2 [b 1/1] RUN b',
    '#2 0.100 b2',
    '#2 DONE 0.1s',
    '',
  ].join('\n'));
});

test('plain: error and cancel end lines; nothing after a vertex ended; warnings after the build', async () => {
  const { stream, sink } = setup();
  const v = sink.vertex('[2/3] RUN false');
  v.start();
  v.error('process "/bin/sh -c false" did not complete successfully: exit code: 1');
  v.log(1, 'ignored\n');
  v.done();
  const c = sink.vertex('[3/3] RUN sleep 9');
  c.start();
  c.error('context canceled');
  sink.warn('FromAsCasing: \'as\' and \'FROM\' keywords\' casing do not match (line 1)');
  await sink.close();
  assert.equal(stream.text, [
    '#1 [2/3] RUN false',
    '#1 ERROR: process "/bin/sh -c false" did not complete successfully: exit code: 1',
    '',
    '#2 [3/3] RUN sleep 9',
    '#2 CANCELED',
    '',
    '1 warning found:',
    ' - FromAsCasing: \'as\' and \'FROM\' keywords\' casing do not match (line 1)',
    '',
  ].join('\n'));
});

test('plain: secrets and control characters never reach the stream, even when a secret spans chunks', async () => {
  clearSecrets();
  registerSecret('s3cr3t-value');
  const { stream, sink } = setup();
  const v = sink.vertex('[1/1] RUN --mount=type=secret,id=t cat /run/secrets/t');
  v.start();
  v.log(1, 'token=s3cr');
  v.log(1, '3t-value\n\x1b[31mred\x1b[0m\x07 bell\n');
  v.status('pushing https://user:pa55word@registry.example/v2/');
  v.error('failed with s3cr3t-value');
  await sink.close();
  clearSecrets();
  assert.doesNotMatch(stream.text, /s3cr3t|pa55word|\x1b|\x07/);
  assert.match(stream.text, /#1 0\.000 token=\*\*\*\n#1 0\.000 red bell\n/);
  assert.match(stream.text, /#1 pushing https:\/\/user:\*\*\*@registry\.example\/v2\/\n/);
  assert.match(stream.text, /#1 ERROR: failed with \*\*\*\n/);
});

test('plain: close flushes unterminated output of vertices left open, and is idempotent', async () => {
  const { stream, sink } = setup();
  const v = sink.vertex('open');
  v.start();
  v.log(1, 'partial');
  await sink.close();
  await sink.close();
  v.log(1, 'after close\n');
  assert.equal(stream.text, '#1 open\n#1 0.000 partial\n');
});
