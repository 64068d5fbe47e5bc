/** Reference parsing vectors, checked against distribution/reference's ParseNormalizedNamed + TagNameOnly. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidReferenceError, parseReference } from '../../src/registry/reference.js';

const D = 'sha256:' + 'a'.repeat(64);

// input -> [domain, path, tag, digest, toString, familiar]
const VALID: [string, [string, string, string | undefined, string | undefined, string, string]][] = [
  ['busybox', ['docker.io', 'library/busybox', 'latest', undefined, 'docker.io/library/busybox:latest', 'busybox:latest']],
  ['busybox:1.36', ['docker.io', 'library/busybox', '1.36', undefined, 'docker.io/library/busybox:1.36', 'busybox:1.36']],
  ['user/app', ['docker.io', 'user/app', 'latest', undefined, 'docker.io/user/app:latest', 'user/app:latest']],
  ['docker.io/library/busybox', ['docker.io', 'library/busybox', 'latest', undefined, 'docker.io/library/busybox:latest', 'busybox:latest']],
  ['index.docker.io/busybox', ['docker.io', 'library/busybox', 'latest', undefined, 'docker.io/library/busybox:latest', 'busybox:latest']],
  ['docker.io/library/a/b', ['docker.io', 'library/a/b', 'latest', undefined, 'docker.io/library/a/b:latest', 'library/a/b:latest']],
  ['127.0.0.1:5000/test/busybox:latest', ['127.0.0.1:5000', 'test/busybox', 'latest', undefined, '127.0.0.1:5000/test/busybox:latest', '127.0.0.1:5000/test/busybox:latest']],
  ['localhost/x', ['localhost', 'x', 'latest', undefined, 'localhost/x:latest', 'localhost/x:latest']],
  ['localhost:5000/x', ['localhost:5000', 'x', 'latest', undefined, 'localhost:5000/x:latest', 'localhost:5000/x:latest']],
  ['[::1]:5000/x:y', ['[::1]:5000', 'x', 'y', undefined, '[::1]:5000/x:y', '[::1]:5000/x:y']],
  [`host.example/repo@${D}`, ['host.example', 'repo', undefined, D, `host.example/repo@${D}`, `host.example/repo@${D}`]],
  [`repo:tag@${D}`, ['docker.io', 'library/repo', 'tag', D, `docker.io/library/repo:tag@${D}`, `repo:tag@${D}`]],
  ['a.b-c/d__e/f-g.h_i:T_1.x-2', ['a.b-c', 'd__e/f-g.h_i', 'T_1.x-2', undefined, 'a.b-c/d__e/f-g.h_i:T_1.x-2', 'a.b-c/d__e/f-g.h_i:T_1.x-2']],
  ['Foo/bar', ['Foo', 'bar', 'latest', undefined, 'Foo/bar:latest', 'Foo/bar:latest']],
];

test('valid references normalize like docker', () => {
  for (const [input, [domain, path, tag, digest, full, familiar]] of VALID) {
    const r = parseReference(input);
    assert.deepEqual({ domain: r.domain, path: r.path, tag: r.tag, digest: r.digest }, { domain, path, tag, digest }, input);
    assert.equal(r.toString(), full, input);
    assert.equal(`${r}`, full, input);
    assert.equal(r.familiar, familiar, input);
  }
});

test('withDigest pins and keeps the tag', () => {
  assert.equal(parseReference('busybox').withDigest(D).toString(), `docker.io/library/busybox:latest@${D}`);
});

const INVALID: [string, string][] = [
  ['', 'invalid reference format "": empty reference'],
  ['Busybox', 'invalid reference format "Busybox": repository name must be lowercase'],
  ['f'.repeat(64), `invalid reference format "${'f'.repeat(64)}": cannot specify 64-byte hexadecimal strings as a repository name`],
  ['busybox:', 'invalid reference format "busybox:": invalid tag ""'],
  ['busybox:-x', 'invalid reference format "busybox:-x": invalid tag "-x"'],
  ['busybox@sha256:abc', 'invalid reference format "busybox@sha256:abc": invalid sha256 digest "sha256:abc"'],
  [`busybox@md5:${'a'.repeat(32)}`, `invalid reference format "busybox@md5:${'a'.repeat(32)}": unsupported digest algorithm "md5"`],
  ['busybox@', 'invalid reference format "busybox@": invalid digest ""'],
  ['a//b', 'invalid reference format "a//b": invalid repository name component ""'],
  ['-a/b', 'invalid reference format "-a/b": invalid repository name component "-a"'],
  ['host:5000/', 'invalid reference format "host:5000/": invalid repository name component ""'],
  ['bad_host.com/x', 'invalid reference format "bad_host.com/x": invalid registry host "bad_host.com"'],
  [':tag', 'invalid reference format ":tag": missing repository name'],
  ['x'.repeat(256), `invalid reference format "${'x'.repeat(256)}": repository name must have at most 255 characters`],
];

test('invalid references are one-line errors naming the reference', () => {
  for (const [input, message] of INVALID) {
    assert.throws(() => parseReference(input), (e: unknown) => {
      assert.ok(e instanceof InvalidReferenceError, input);
      assert.equal(e.message, message);
      assert.equal(e.code, 'BK0003');
      return true;
    });
  }
});
