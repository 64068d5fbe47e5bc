/**
 * ADD <git ref> sources against real repositories served on loopback by `git http-backend` (smart HTTP) and
 * `git daemon` (git://): refs, tags, commits, subdirs (and their escapes), --keep-git-dir, submodules, checksums,
 * and cache keys pinned to the resolved commit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { lstat, readFile, readdir, readlink } from 'node:fs/promises';
import path from 'node:path';
import { BuildError } from '../../src/errors.js';
import { GraphBuilder } from '../../src/llb/definition.js';
import { remoteSource } from '../../src/frontend/dockerfile/convert/remote-source.js';
import type { ConvertContext } from '../../src/frontend/dockerfile/convert/stage-state.js';
import { gitAsync, gitDaemon, gitHttpServer, gitIn, makeRepo, tmpDir } from './servers.js';
import { solve, testWorker } from './solve.js';

function add(src: string, opts: { keepGitDir?: boolean; checksum?: string } = {}): { graph: GraphBuilder; out: { digest: string; index: number } } {
  const graph = new GraphBuilder();
  const r = remoteSource({ graph } as unknown as ConvertContext, src, { keepGitDir: opts.keepGitDir ?? false, location: undefined, ...(opts.checksum ? { checksum: opts.checksum } : {}) });
  assert.equal(r?.kind, 'git', src);
  assert.equal(r?.path, '/');
  return { graph, out: r!.input };
}

async function fixture(t: import('node:test').TestContext): Promise<{ root: string; http: string; shas: string[] }> {
  const root = await tmpDir(t, 'git-repos-');
  const { shas } = makeRepo(root, 'app', [
    { 'README': 'v0', 'docs/guide.md': 'guide', 'docs/link': { symlink: '../README' }, 'escape': { symlink: '/etc' }, 'bin/run.sh': '#!/bin/sh\n' },
    { 'README': 'v1' },
  ], { tag: 'v0.1', annotated: 'v0.2' });
  execFileSync('chmod', ['+x', path.join(root, 'app-work/bin/run.sh')]);
  gitIn(path.join(root, 'app-work'), 'commit', '-q', '-am', 'exec bit');
  shas.push(gitIn(path.join(root, 'app-work'), 'rev-parse', 'HEAD'));
  gitIn(path.join(root, 'app-work'), 'push', '-q', path.join(root, 'app.git'), 'main');
  return { root, http: await gitHttpServer(t, root), shas };
}

async function build(t: import('node:test').TestContext, state: string, src: string, opts: { keepGitDir?: boolean; checksum?: string } = {}): Promise<{ dir: string; ran: number }> {
  const { graph, out } = add(src, opts);
  const { result, rec } = await solve(await testWorker(t, state), graph, out);
  assert.equal(result.layers.length, 1);
  return { dir: result.layers[0]!.dir, ran: rec.ran.length };
}

test('smart HTTP: the default branch checked out, no .git, modes and symlinks as committed; cache pinned to the commit', async (t) => {
  const { root, http, shas } = await fixture(t);
  const state = await tmpDir(t, 'git-state-');
  const first = await build(t, state, `${http}/app.git`);
  assert.deepEqual((await readdir(first.dir)).sort(), ['README', 'bin', 'docs', 'escape']);
  assert.equal(await readFile(path.join(first.dir, 'README'), 'utf8'), 'v1');
  assert.equal((await lstat(path.join(first.dir, 'README'))).mode & 0o777, 0o644);
  assert.equal((await lstat(path.join(first.dir, 'bin/run.sh'))).mode & 0o777, 0o755);
  assert.equal(await readlink(path.join(first.dir, 'escape')), '/etc');
  assert.equal(first.ran, 1);
  // Same commit: the next build resolves the ref again (ls-remote) and hits the cache.
  assert.equal((await build(t, state, `${http}/app.git`)).ran, 0);
  // A new commit on main: a new key, a new checkout.
  const work = path.join(root, 'app-work');
  execFileSync('sh', ['-c', 'printf v2 > README', 'sh'], { cwd: work });
  gitIn(work, 'commit', '-q', '-am', 'v2');
  gitIn(work, 'push', '-q', path.join(root, 'app.git'), 'main');
  const third = await build(t, state, `${http}/app.git#main`);
  assert.equal(third.ran, 1);
  assert.equal(await readFile(path.join(third.dir, 'README'), 'utf8'), 'v2');
  assert.ok(shas.length === 3);
});

test('refs: a lightweight tag, an annotated tag, a full commit sha, a branch; a missing ref is a clear error', async (t) => {
  const { http, shas } = await fixture(t);
  const state = await tmpDir(t, 'git-state-');
  for (const ref of ['v0.1', 'v0.2', shas[0]!]) {
    const { dir } = await build(t, state, `${http}/app.git#${ref}`);
    assert.equal(await readFile(path.join(dir, 'README'), 'utf8'), 'v0', ref);
  }
  await assert.rejects(build(t, state, `${http}/app.git#nope`), (e: unknown) => {
    assert.ok(e instanceof BuildError);
    assert.match(e.message, /repository http:\/\/127\.0\.0\.1:\d+\/app\.git does not contain ref nope/);
    return true;
  });
});

test('git:// through git daemon', async (t) => {
  const { root } = await fixture(t);
  const daemon = await gitDaemon(t, root);
  const { dir } = await build(t, await tmpDir(t, 'git-state-'), `${daemon}/app.git#v0.1`);
  assert.equal(await readFile(path.join(dir, 'README'), 'utf8'), 'v0');
});

test('subdir: its contents become the root; `..` is cleaned away; a symlink out of the checkout or a missing dir is refused', async (t) => {
  const { http } = await fixture(t);
  const state = await tmpDir(t, 'git-state-');
  const docs = await build(t, state, `${http}/app.git#main:docs`);
  assert.deepEqual((await readdir(docs.dir)).sort(), ['guide.md', 'link']);
  assert.equal(await readlink(path.join(docs.dir, 'link')), '../README');
  const climbed = await build(t, state, `${http}/app.git#main:../../docs`);
  assert.deepEqual((await readdir(climbed.dir)).sort(), ['guide.md', 'link']);
  await assert.rejects(build(t, state, `${http}/app.git#main:escape`), /subdir escape of .* leaves the repository/);
  await assert.rejects(build(t, state, `${http}/app.git#main:missing`), /subdir missing not found/);
  await assert.rejects(build(t, state, `${http}/app.git#main:README`), /subdir README of .* is not a directory/);
});

test('--keep-git-dir: a .git holding the commit, origin the remote', async (t) => {
  const { http, shas } = await fixture(t);
  const { dir } = await build(t, await tmpDir(t, 'git-state-'), `${http}/app.git#v0.1`, { keepGitDir: true });
  assert.ok((await lstat(path.join(dir, '.git'))).isDirectory());
  assert.equal(gitIn(dir, 'rev-parse', 'HEAD'), shas[0]);
  assert.equal(gitIn(dir, 'config', 'remote.origin.url'), `${http}/app.git`);
  assert.equal(gitIn(dir, 'status', '--porcelain'), '');
});

test('--checksum pins the commit: a prefix of it passes, another commit fails naming both', async (t) => {
  const { http, shas } = await fixture(t);
  const state = await tmpDir(t, 'git-state-');
  const ok = await build(t, state, `${http}/app.git#v0.1`, { checksum: shas[0]!.slice(0, 12) });
  assert.equal(await readFile(path.join(ok.dir, 'README'), 'utf8'), 'v0');
  await assert.rejects(build(t, state, `${http}/app.git#v0.1`, { checksum: shas[1]! }),
    new RegExp(`git checksum mismatch for .*app\\.git#v0\\.1: expected ${shas[1]}, got ${shas[0]}`));
});

test('submodules are checked out (recursively, shallow) without .git files unless --keep-git-dir; ?submodules=false skips them', async (t) => {
  const { root, http } = await fixture(t);
  makeRepo(root, 'lib', [{ 'lib.txt': 'library' }]);
  const work = path.join(root, 'outer-work');
  execFileSync('mkdir', ['-p', work]);
  gitIn(work, 'init', '-q');
  execFileSync('sh', ['-c', 'printf outer > main.txt'], { cwd: work });
  await gitAsync(work, 'submodule', '--quiet', 'add', `${http}/lib.git`, 'vendor/lib');
  gitIn(work, 'add', '-A');
  gitIn(work, 'commit', '-q', '-m', 'with submodule');
  gitIn(root, 'clone', '-q', '--bare', work, path.join(root, 'outer.git'));
  const state = await tmpDir(t, 'git-state-');
  const plain = await build(t, state, `${http}/outer.git`);
  assert.equal(await readFile(path.join(plain.dir, 'vendor/lib/lib.txt'), 'utf8'), 'library');
  await assert.rejects(lstat(path.join(plain.dir, 'vendor/lib/.git')), { code: 'ENOENT' });
  const kept = await build(t, state, `${http}/outer.git`, { keepGitDir: true });
  assert.equal(await readFile(path.join(kept.dir, 'vendor/lib/lib.txt'), 'utf8'), 'library');
  assert.ok((await lstat(path.join(kept.dir, 'vendor/lib/.git'))).isFile());
  const skipped = await build(t, state, `${http}/outer.git?submodules=false`);
  assert.deepEqual(await readdir(path.join(skipped.dir, 'vendor/lib')), []);
});
