/** parseGitRef against BuildKit's dfgitutil TestParseGitRef vectors, plus the query form and the LLB it becomes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanSubdir, parseGitRef } from '../../src/remote/git-ref.js';
import { gitSourceOp } from '../../src/llb/remote-sources.js';

// [ref, expected remote/ref/subdir or undefined = not a git ref]
const VECTORS: [string, { remote: string; ref?: string; subdir?: string } | undefined][] = [
  ['https://example.com/', undefined],
  ['https://example.com/foo', undefined],
  ['https://example.com/foo.git', { remote: 'https://example.com/foo.git' }],
  ['https://example.com/foo.git#deadbeef', { remote: 'https://example.com/foo.git', ref: 'deadbeef' }],
  ['https://example.com/foo.git#release/1.2', { remote: 'https://example.com/foo.git', ref: 'release/1.2' }],
  ['https://example.com/foo.git/', undefined],
  ['https://example.com/foo.git.bar', undefined],
  ['git://example.com/foo', { remote: 'git://example.com/foo' }],
  ['github.com/moby/buildkit', undefined], // indistinguishable from a local path: not a git source for ADD
  ['custom.xyz/moby/buildkit.git', undefined],
  ['https://github.com/moby/buildkit', undefined],
  ['https://github.com/moby/buildkit.git', { remote: 'https://github.com/moby/buildkit.git' }],
  ['https://foo:bar@github.com/moby/buildkit.git', { remote: 'https://foo:bar@github.com/moby/buildkit.git' }],
  ['git@github.com:moby/buildkit', { remote: 'git@github.com:moby/buildkit' }],
  ['git@github.com:moby/buildkit.git', { remote: 'git@github.com:moby/buildkit.git' }],
  ['git@bitbucket.org:atlassianlabs/atlassian-docker.git', { remote: 'git@bitbucket.org:atlassianlabs/atlassian-docker.git' }],
  ['https://github.com/foo/bar.git#baz/qux:quux/quuz', { remote: 'https://github.com/foo/bar.git', ref: 'baz/qux', subdir: 'quux/quuz' }],
  ['http://github.com/docker/docker.git:#branch', undefined],
  ['https://github.com/docker/docker.git#:myfolder', { remote: 'https://github.com/docker/docker.git', subdir: 'myfolder' }],
  ['./.git', undefined],
  ['.git', undefined],
  ['https://github.com/docker/docker.git?ref=v1.0.0&subdir=/subdir', { remote: 'https://github.com/docker/docker.git', ref: 'v1.0.0', subdir: '/subdir' }],
  ['ftp://example.com/foo.git', undefined],
  ['file:///srv/foo.git', undefined],
];

test('parseGitRef matches BuildKit\'s vectors', () => {
  for (const [ref, want] of VECTORS) {
    const got = parseGitRef(ref);
    if (want === undefined) {
      assert.equal(got, undefined, ref);
      continue;
    }
    assert.ok(got, ref);
    assert.deepEqual({ remote: got.remote, ref: got.ref, subdir: got.subdir }, { ref: '', subdir: '', ...want }, ref);
  }
});

test('query form: tag, branch, checksum, keep-git-dir, submodules; conflicts and unknown keys are errors', () => {
  const q = parseGitRef('https://h/r.git?tag=v1&keep-git-dir=true&submodules=false&checksum=abc123');
  assert.deepEqual({ ref: q?.ref, keep: q?.keepGitDir, sub: q?.submodules, sum: q?.checksum }, { ref: 'refs/tags/v1', keep: true, sub: false, sum: 'abc123' });
  assert.equal(parseGitRef('https://h/r.git?branch=dev')?.ref, 'refs/heads/dev');
  assert.equal(parseGitRef('https://h/r.git?commit=0123abc')?.ref, '0123abc');
  assert.equal(parseGitRef('https://h/r.git##ref=main,subdir=docs')?.subdir, 'docs');
  assert.throws(() => parseGitRef('https://h/r.git?ref=dev#main'), /ref conflicts/);
  assert.throws(() => parseGitRef('https://h/r.git?tag=a&branch=b'), /branch conflicts with tag/);
  assert.throws(() => parseGitRef('https://h/r.git?foo=1'), /unexpected query "foo"/);
  assert.throws(() => parseGitRef('https://h/r.git?keep-git-dir=maybe'), /invalid keep-git-dir value/);
});

test('the git source op is BuildKit\'s: git://HOST/PATH#ref:subdir, git.fullurl, keepgitdir, checksum, ssh sock', () => {
  const op = gitSourceOp(parseGitRef('https://user:pw@example.com:8443/org/repo.git#v1.2:docs')!, { keepGitDir: true, checksum: 'abc' });
  assert.deepEqual(op, {
    kind: 'source', identifier: 'git://example.com:8443/org/repo.git#v1.2:docs',
    attrs: {
      'git.fullurl': 'https://user:pw@example.com:8443/org/repo.git', 'git.authtokensecret': 'GIT_AUTH_TOKEN',
      'git.authheadersecret': 'GIT_AUTH_HEADER', 'git.keepgitdir': 'true', 'git.checksum': 'abc',
    },
  });
  const ssh = gitSourceOp(parseGitRef('git@github.com:moby/buildkit.git')!);
  assert.equal(ssh.identifier, 'git://github.com/moby/buildkit.git');
  assert.equal(ssh.attrs['git.mountsshsock'], 'default');
  assert.equal(ssh.attrs['git.fullurl'], 'git@github.com:moby/buildkit.git');
});

test('cleanSubdir: .. cannot climb out of the repository', () => {
  assert.equal(cleanSubdir('/a/./b/'), 'a/b');
  assert.equal(cleanSubdir('../../etc'), 'etc');
  assert.equal(cleanSubdir('a/../../..'), '');
});
