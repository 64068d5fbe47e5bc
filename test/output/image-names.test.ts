import { test } from 'node:test';
import assert from 'node:assert/strict';
import { familiarImageName, normalizeImageName, ociRefName } from '../../src/output/image-names.js';
import { OutputError } from '../../src/errors.js';

const D = 'sha256:' + 'a'.repeat(64);
// [given, normalised (io.containerd.image.name), org.opencontainers.image.ref.name, docker RepoTag]
const VECTORS: Array<[string, string, string, string]> = [
  ['foo', 'docker.io/library/foo:latest', 'latest', 'foo:latest'],
  ['user/app:1.0', 'docker.io/user/app:1.0', '1.0', 'user/app:1.0'],
  ['docker.io/library/foo:x', 'docker.io/library/foo:x', 'x', 'foo:x'],
  ['index.docker.io/user/app', 'docker.io/user/app:latest', 'latest', 'user/app:latest'],
  ['localhost:5000/a/b', 'localhost:5000/a/b:latest', 'latest', 'localhost:5000/a/b:latest'],
  ['registry.example.com/team/app:v2', 'registry.example.com/team/app:v2', 'v2', 'registry.example.com/team/app:v2'],
  [`app@${D}`, `docker.io/library/app@${D}`, `@${D}`, `app@${D}`],
  [`app:t@${D}`, `docker.io/library/app:t@${D}`, `t@${D}`, `app:t@${D}`],
];

test('image names normalise like docker reference.ParseNormalizedNamed + TagNameOnly', () => {
  for (const [given, norm, ref, familiar] of VECTORS) {
    assert.equal(normalizeImageName(given), norm, given);
    assert.equal(ociRefName(norm), ref, given);
    assert.equal(familiarImageName(norm), familiar, given);
  }
});

test('invalid names are user errors', () => {
  for (const bad of ['Foo', 'foo:bad tag', 'a//b', `foo@sha256:xyz`]) assert.throws(() => normalizeImageName(bad), OutputError, bad);
});
