import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ModeSyntaxError, parseModeSpec } from '../../src/fileop/mode-set.js';

test('octal --chmod: up to 07777, BuildKit message for anything numeric but not octal', () => {
  assert.equal(parseModeSpec('755').numeric, 0o755);
  assert.equal(parseModeSpec('4755').apply(0o644, false), 0o4755);
  assert.throws(() => parseModeSpec('999'), (e: unknown) => e instanceof ModeSyntaxError && /between 0 and 07777/.test(e.message));
  assert.throws(() => parseModeSpec('17777'), ModeSyntaxError);
});

test('symbolic --chmod applies like chmod(1): who, +-=, X, u/g/o copies, s and t', () => {
  const m = (spec: string, mode: number, dir = false) => parseModeSpec(spec).apply(mode, dir);
  assert.equal(m('u+x', 0o644), 0o744);
  assert.equal(m('+x', 0o644), 0o755);
  assert.equal(m('a=rX', 0o640), 0o444);
  assert.equal(m('a=rX', 0o740), 0o555); // X: an execute bit was set
  assert.equal(m('a=rX', 0o600, true), 0o555); // X: a directory
  assert.equal(m('g-w,o-rwx', 0o777), 0o750);
  assert.equal(m('go=u', 0o640), 0o666);
  assert.equal(m('u=rw,go=r', 0o777), 0o644);
  assert.equal(m('u+s', 0o755), 0o4755);
  assert.equal(m('g+s', 0o755), 0o2755);
  assert.equal(m('+t', 0o755, true), 0o1755);
  assert.equal(m('o-r+w', 0o644), 0o642);
  for (const bad of ['u+q', 'x', 'u', 'rwx', '', 'a=r,', '+x;rm']) assert.throws(() => parseModeSpec(bad), ModeSyntaxError, bad);
});
