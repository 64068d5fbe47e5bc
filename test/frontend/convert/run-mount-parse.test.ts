import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRunMount, ramInBytes, RunMountError } from '../../../src/frontend/dockerfile/convert/run-mount-parse.js';

const id = (s: string): string => s;
const parse = (v: string) => parseRunMount(v, id);
const fails = (v: string, msg: RegExp) => assert.throws(() => parse(v), (e: unknown) => e instanceof RunMountError && msg.test(e.message));

test('bind is the default type and read-only unless rw; cache and tmpfs are writable', () => {
  assert.deepEqual(parse('target=/x'), { type: 'bind', readonly: true, required: false, target: '/x' });
  assert.equal(parse('target=/x,rw').readonly, false);
  assert.equal(parse('target=/x,readwrite=true').readonly, false);
  assert.equal(parse('type=cache,target=/x').readonly, false);
  assert.equal(parse('type=cache,target=/x,ro').readonly, true);
  assert.equal(parse('type=tmpfs,target=/x').readonly, false);
  assert.equal(parse('type=secret,id=a').readonly, true);
});

test('keys and aliases: src/source, dst/destination/target, id, sharing, mode (octal), uid, gid, size, env, required', () => {
  const c = parse('type=cache,id=c1,dst=/c,sharing=locked,mode=0700,uid=10,gid=20,from=base,source=/s');
  assert.deepEqual(c, { type: 'cache', id: 'c1', target: '/c', sharing: 'locked', mode: 0o700, uid: 10, gid: 20, from: 'base', source: '/s', readonly: false, required: false });
  assert.equal(parse('type=tmpfs,destination=/t,size=64m').size, 64 * 1024 * 1024);
  const s = parse('type=secret,id=tok,env=TOKEN,required');
  assert.equal(s.env, 'TOKEN');
  assert.equal(s.required, true);
  assert.equal(parse('type=ssh,required=false').required, false);
  assert.equal(parse('TYPE=Cache,Target=/c').type, 'cache');
});

test('values are expanded with the given expander', () => {
  const m = parseRunMount('type=cache,target=$DIR,id=${ID}', (w) => w.replace('$DIR', '/root/.cache').replace('${ID}', 'go'));
  assert.equal(m.target, '/root/.cache');
  assert.equal(m.id, 'go');
});

test("BuildKit's errors", () => {
  fails('type=volume,target=/x', /^unsupported mount type "volume"/);
  fails('type=cahce,target=/x', /did you mean cache\?/);
  fails('type=cache,sharing=nope', /^unsupported sharing value "nope"/);
  fails('target=/x,sharing=locked', /^invalid cache sharing set for bind mount$/);
  fails('target=/x,mode=0755', /^mode not allowed for "bind" type mounts$/);
  fails('type=tmpfs,target=/x,uid=1', /^uid not allowed for "tmpfs" type mounts$/);
  fails('target=/x,required', /^unexpected key 'required' for mount type 'bind'$/);
  fails('target=/x,size=1m', /^unexpected key 'size' for mount type 'bind'$/);
  fails('target=/x,foo=bar', /^unexpected key 'foo' in 'foo=bar'$/);
  fails('target=/x,tagret', /^invalid field 'tagret' must be a key=value pair$/);
  fails('type=secret,from=x,id=a', /^secret mount should not have a from$/);
  fails('type=secret', /^invalid secret mount. one of source, target required$/);
  fails('type=secret,source=a,id=b', /^both source and id can't be set$/);
  fails('type=cache,mode=9', /^invalid value 9 for mode$/);
  fails('target=/x,ro=maybe', /^invalid value for ro: maybe$/);
  fails('target=/x,"bad', /^failed to parse csv mounts/);
});

test('ramInBytes follows docker/go-units (binary multiples)', () => {
  assert.equal(ramInBytes('100'), 100);
  assert.equal(ramInBytes('1k'), 1024);
  assert.equal(ramInBytes('1.5GiB'), 1.5 * 1024 ** 3);
  assert.equal(ramInBytes('2 MB'), 2 * 1024 ** 2);
  assert.throws(() => ramInBytes('lots'), RunMountError);
});
