/** Bad input: one clear line naming the file:line or flag, non-zero exit, no stack trace, no partial output. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { access } from 'node:fs/promises';
import { testEnv } from '../helpers/env.js';
import { SCRIPT, buildArgs, run } from './helpers.js';
import { testWorkers } from './workers.js';

for (const w of testWorkers()) describe(w.name, () => {

  async function assertFails(files: Record<string, string>, pattern: RegExp, ...extra: string[]): Promise<string> {
    const ctx = await w.makeDir(files);
    const dest = await w.tempPath('out');
    const r = await w.buildctl(buildArgs(ctx, '--output', `type=local,dest=${dest}`, ...extra));
    assert.notEqual(r.code, 0, 'the build must fail');
    assert.match(r.stderr, pattern);
    assert.doesNotMatch(r.stderr, /^\s+at .*\(.*:\d+:\d+\)$/m, 'no stack trace without --debug');
    await assert.rejects(access(dest), 'no partial output');
    return r.stderr;
  }

  test('missing Dockerfile names the file', async () => {
    await assertFails({ 'x.txt': '' }, /error: failed to read dockerfile: open .*\/Dockerfile: no such file or directory/);
  });

  test('unknown instruction names Dockerfile:LINE and the text', async () => {
    await assertFails({ Dockerfile: `FROM ${testEnv().images.busybox}\nFOO bar\n` }, /error: Dockerfile:2: unknown instruction: FOO \(FOO bar\)/);
  });

  test('unknown flag on an instruction gets a did-you-mean', async () => {
    await assertFails({ Dockerfile: `FROM ${testEnv().images.busybox}\nCOPY --chwon=1 a /a\n` }, /Dockerfile:2: unknown flag: --chwon \(did you mean --chown\?\)/);
  });

  test('a failing RUN reports the exit code and the Dockerfile line', async () => {
    await assertFails({ Dockerfile: `FROM ${testEnv().images.busybox}\nRUN echo before\nRUN exit 3\n` },
      /error: Dockerfile:3: process "\/bin\/sh -c exit 3" did not complete successfully: exit code: 3/);
  });

  test('a COPY source that does not exist names the path and line', async () => {
    await assertFails({ Dockerfile: `FROM ${testEnv().images.busybox}\nCOPY missing.txt /x\n` }, /error: Dockerfile:2: .*"\/missing\.txt": not found/);
  });

  test('an unknown stage or image in --from is an error naming it', async () => {
    await assertFails({ Dockerfile: `FROM ${testEnv().images.busybox}\nCOPY --from=nosuchstage /a /a\n` }, /nosuchstage/);
  });

  test('an image that does not exist', async () => {
    await assertFails({ Dockerfile: `FROM ${testEnv().registry}/test/nosuchimage:latest\nRUN true\n` }, /error: Dockerfile:1: .*nosuchimage.*not found/);
  });

  test('an unreachable registry', async () => {
    await assertFails({ Dockerfile: 'FROM 127.0.0.1:1/test/busybox:latest\n' }, /error: Dockerfile:1: failed to resolve 127\.0\.0\.1:1\/test\/busybox:latest: connect ECONNREFUSED/);
  });

  test('an unknown --output key gets a did-you-mean', async () => {
    const ctx = await w.makeDir({ Dockerfile: 'FROM scratch\n' });
    const r = await w.buildctl(buildArgs(ctx, '--output', 'type=local,dets=/tmp/x'));
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /unknown key "dets".*did you mean "dest"/);
  });
});

describe('oci-rootless', () => {
  test('a layer file owned by an id outside the subuid range names the id and how to widen /etc/subuid', async () => {
    const [root, rootless] = testWorkers();
    // An image with a file owned by uid 70000, made as root and served by the test registry.
    const ctx = await root!.makeDir({ Dockerfile: `FROM ${testEnv().images.busybox}\nRUN touch /high && chown 70000:70000 /high\n` });
    const archive = await root!.tempPath('high.tar');
    const made = await root!.buildctl(buildArgs(ctx, '--output', `type=oci,dest=${archive}`));
    assert.equal(made.code, 0, made.stderr);
    const ref = `${testEnv().registry}/test/high-uid:latest`;
    await run('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', `oci-archive:${archive}`, `docker://${ref}`]);
    const use = await rootless!.makeDir({ Dockerfile: `FROM ${ref}\nRUN true\n` });
    const r = await rootless!.buildctl(buildArgs(use));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /error: Dockerfile:1: layer file \/high is owned by uid 70000, outside the ids this user namespace maps \(uids 0-65536, gids 0-65536\)/);
    assert.match(r.stderr, /hint: widen \/etc\/subuid and \/etc\/subgid: sudo usermod --add-subuids \d+-\d+ --add-subgids \d+-\d+ bkrootless/);
  });
});

describe('oci: a machine without runc', () => {
  test('a RUN says runc is missing and points to doctor', async () => {
    const ctx = await testWorkers()[0]!.makeDir({ Dockerfile: `FROM ${testEnv().images.busybox}\nRUN true\n` });
    // Hide runc in a private mount namespace only: nothing executable at its paths, nothing of it on PATH.
    const hide = 'for p in /usr/sbin/runc /usr/bin/runc /sbin/runc; do [ -e "$p" ] && mount --bind /dev/null "$p"; done; PATH=/usr/local/bin:/usr/bin:/bin exec "$@"';
    const r = await run('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', hide, 'sh', SCRIPT, ...buildArgs(ctx)]).then(
      () => assert.fail('the build must fail'), (e: Error) => e.message);
    // /dev/null bound over a runc path found on PATH gives EACCES, a path that is not there ENOENT.
    assert.match(r, /error: Dockerfile:2: runc (is not installed \(not on PATH, nor in \/usr\/sbin or \/sbin\)|cannot be executed \(permission denied\))/);
    assert.match(r, /hint: (apt-get install runc; )?run "buildctl doctor"/);
  });
});

for (const w of testWorkers()) describe(`${w.name}: .dockerignore`, () => {
  test('a COPY of a path .dockerignore excluded names the ignore file, line and pattern', async () => {
    const ctx = await w.makeDir({
      Dockerfile: 'FROM scratch\nCOPY secret.txt /\n', '.dockerignore': '# keep secrets out\n\n*.log\nsecret.txt\n', 'secret.txt': 's',
    });
    const r = await w.buildctl(buildArgs(ctx));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: Dockerfile:2: "\/secret\.txt": not found: excluded by \.dockerignore \(\.dockerignore:4: secret\.txt\) \(COPY secret\.txt \/\)$/m);
  });
});
