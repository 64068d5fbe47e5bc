/**
 * ADD <url> end to end, root and rootless: a node:http server on loopback in this process serves the files (the
 * build reaches it over the host network, also from inside rootlesskit). The Dockerfile asserts from inside the
 * build what BuildKit documents: the file named from the URL, mode 0600, owner root (or --chown), mtime from
 * Last-Modified, archives not extracted, --checksum; errors name the Dockerfile line, the URL and the status or
 * both digests; a rebuild on a persistent --root revalidates with the ETag and is CACHED.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { testEnv } from '../helpers/env.js';
import { fileServer, sha256, type FileServer } from '../remote/servers.js';
import { buildArgs } from './helpers.js';
import { testWorkers } from './workers.js';

const LM = 'Wed, 21 Oct 2015 07:28:00 GMT';
const LM_SECONDS = Date.parse(LM) / 1000;

/** A real gzip tarball holding inner.txt: ADD would extract it if it were local. */
function tarball(): Buffer {
  const dir = execFileSync('mktemp', ['-d'], { encoding: 'utf8' }).trim();
  execFileSync('sh', ['-c', 'echo inner > inner.txt && tar czf t.tgz inner.txt'], { cwd: dir });
  const b = execFileSync('cat', [path.join(dir, 't.tgz')]);
  execFileSync('rm', ['-rf', dir]);
  return b;
}

for (const w of testWorkers()) describe(w.name, () => {
  let srv: FileServer;
  const busybox = (): string => testEnv().images.busybox;

  const cleanups: (() => unknown)[] = [];
  after(async () => { for (const c of cleanups) await c(); });

  before(async () => {
    srv = await fileServer({ after: (fn: () => unknown) => cleanups.push(fn) } as unknown as import('node:test').TestContext);
    srv.files.set('/dl/tool.tar.gz', { body: tarball(), lastModified: LM, etag: '"tool-1"' });
    srv.files.set('/dl/data.txt', { body: 'content\n' });
    srv.files.set('/go', { body: '', redirect: '/dl/data.txt' });
  });

  test('ADD <url>: name, 0600, root, Last-Modified, not extracted, --checksum, --chown/--chmod, redirects', async () => {
    const ctx = await w.makeDir({
      Dockerfile: `FROM ${busybox()}
ADD ${srv.url}/dl/tool.tar.gz /downloads/
RUN [ "$(stat -c '%a %U %Y' /downloads/tool.tar.gz)" = "600 root ${LM_SECONDS}" ] && [ ! -e /downloads/inner.txt ] && tar tzf /downloads/tool.tar.gz | grep -qx inner.txt
ADD --checksum=${sha256('content\n')} ${srv.url}/dl/data.txt /data.txt
RUN [ "$(cat /data.txt)" = content ] && [ "$(stat -c %Y /data.txt)" = 0 ]
ADD --chown=1000:1000 --chmod=644 ${srv.url}/go /n/
RUN [ "$(stat -c '%a %u %g' /n/go)" = "644 1000 1000" ] && [ "$(cat /n/go)" = content ]
`,
    });
    const dest = await w.tempPath('out');
    const r = await w.buildctl(buildArgs(ctx, '--output', `type=local,dest=${dest}`));
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await readFile(path.join(dest, 'downloads/tool.tar.gz')), srv.files.get('/dl/tool.tar.gz')!.body);
    assert.equal((await stat(path.join(dest, 'downloads/tool.tar.gz'))).mode & 0o777, 0o600);
  });

  test('a 404 is one line naming the Dockerfile line, the URL and the status', async () => {
    const ctx = await w.makeDir({ Dockerfile: `FROM ${busybox()}\nADD ${srv.url}/dl/missing.bin /x\n` });
    const r = await w.buildctl(buildArgs(ctx, '--output', `type=local,dest=${await w.tempPath('out')}`));
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, new RegExp(`Dockerfile:2: failed to fetch ${srv.url}/dl/missing\\.bin: invalid response status 404`));
  });

  test('a --checksum mismatch names the URL, the expected and the actual digest', async () => {
    const wrong = sha256('something else');
    const ctx = await w.makeDir({ Dockerfile: `FROM ${busybox()}\nADD --checksum=${wrong} ${srv.url}/dl/data.txt /x\n` });
    const r = await w.buildctl(buildArgs(ctx, '--output', `type=local,dest=${await w.tempPath('out')}`));
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, new RegExp(`checksum mismatch for ${srv.url}/dl/data\\.txt: expected ${wrong}, got ${sha256('content\n')}`));
  });

  test('a rebuild on --root asks with If-None-Match, gets 304 and is CACHED', async () => {
    const ctx = await w.makeDir({ Dockerfile: `FROM ${busybox()}\nADD ${srv.url}/dl/tool.tar.gz /t.tgz\n` });
    const root = await w.ownedDir('buildctl-root-');
    const env = { BUILDKITD_FLAGS: `--root ${root}` };
    const first = await w.buildctl(buildArgs(ctx, '--output', `type=local,dest=${await w.tempPath('a')}`), { env });
    assert.equal(first.code, 0, first.stderr);
    const before = srv.log.length;
    const second = await w.buildctl(buildArgs(ctx, '--output', `type=local,dest=${await w.tempPath('b')}`), { env });
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual(srv.log.slice(before).map((l) => [l.path, l.status, l.ifNoneMatch]), [['/dl/tool.tar.gz', 304, '"tool-1"']]);
    const step = /^#(\d+) \[2\/2\] ADD /m.exec(second.stderr)?.[1];
    assert.ok(step, second.stderr);
    assert.match(second.stderr, new RegExp(`^#${step} CACHED$`, 'm'));
  });
});

