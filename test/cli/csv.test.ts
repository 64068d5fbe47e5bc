import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitCsv, parseCsvAttrs } from '../../src/cli/csv.js';
import { FlagError } from '../../src/errors.js';

test('splitCsv: plain fields, empty fields', () => {
  assert.deepEqual(splitCsv('type=local,dest=out', '--output'), ['type=local', 'dest=out']);
  assert.deepEqual(splitCsv('a,,b,', '--output'), ['a', '', 'b', '']);
  assert.deepEqual(splitCsv('', '--output'), ['']);
});

test('splitCsv: a quoted field keeps commas and "" is a quote (Go encoding/csv rules)', () => {
  assert.deepEqual(splitCsv('type=image,"name=a,b",push=true', '--output'), ['type=image', 'name=a,b', 'push=true']);
  assert.deepEqual(splitCsv('"a ""q"" b",c', '-o'), ['a "q" b', 'c']);
  assert.deepEqual(splitCsv('"x"', '-o'), ['x']);
});

test('splitCsv: bad quoting is a FlagError naming the flag, with a hint', () => {
  for (const bad of ['name="a,b"', '"unterminated', '"a"b,c']) {
    assert.throws(() => splitCsv(bad, '--output'), (e: unknown) => {
      assert.ok(e instanceof FlagError);
      assert.match(e.message, /^invalid --output /);
      assert.match(e.hint ?? '', /quote a whole field/);
      return true;
    }, bad);
  }
});

test('parseCsvAttrs: keys lower-cased, later keys win, key=value required', () => {
  const m = parseCsvAttrs('Type=local,dest=a,dest=b=c', '--output');
  assert.deepEqual([...m], [['type', 'local'], ['dest', 'b=c']]);
  assert.throws(() => parseCsvAttrs('type=local,dest', '--output'), /invalid --output field "dest": expected key=value/);
});
