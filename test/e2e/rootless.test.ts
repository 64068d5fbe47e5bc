/**
 * What only the rootless path has: rootlesskit started by scripts/buildctl-daemonless.sh (or by the CLI itself
 * when run directly), its failures shown as its own with a pointer to doctor, exit codes and signals through it,
 * state dirs never shared between root and rootless, the RUN network and process sandbox modes.
 * The network and sandbox tests run on both workers.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { execa } from 'execa';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { testEnv } from '../helpers/env.js';
import { REPO, SCRIPT, buildArgs, type RunResult } from './helpers.js';
import { testWorkers } from './workers.js';

const [root, rootless] = testWorkers() as [ReturnType<typeof testWorkers>[0], ReturnType<typeof testWorkers>[0]];

/** Run `argv` as USER (uid/gid/home) after `setup` (sh, as root) in a private mount namespace. */
function asUserIn(setup: string, user: { uid: number; gid: number; home: string; name: string }, argv: string[], env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const script = `${setup}\nexec setpriv --reuid=${user.uid} --regid=${user.gid} --init-groups "$@"`;
    const child = spawn('unshare', ['--mount', '--propagation', 'private', 'sh', '-ec', script, 'sh', ...argv], {
      env: { ...process.env, HOME: user.home, USER: user.name, XDG_RUNTIME_DIR: '', ...env }, cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout: Buffer.concat(out), stderr: err }));
  });
}

function asUser(user: { uid: number; gid: number; home: string; name: string }, argv: string[], env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  return asUserIn(':', user, argv, env);
}

describe('rootlesskit launch', () => {
  test('a user without subuids: rootlesskit\'s error shown as its own, a pointer to doctor, exit 1, nothing left', async () => {
    const user = testEnv().users.noSubid;
    const ctx = await root.makeDir({ Dockerfile: 'FROM scratch\n' });
    for (const argv of [[SCRIPT], [process.execPath, path.join(REPO, 'bin/buildctl')]]) {
      const xdg = await root.ownedDir('xdg-');
      const { chown } = await import('node:fs/promises');
      await chown(xdg, user.uid, user.gid);
      const r = await asUser(user, [...argv, ...buildArgs(ctx)], { XDG_RUNTIME_DIR: xdg });
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /^rootlesskit: error: failed to setup UID\/GID map: .*No subuid ranges found for user \d+ \("bknosubid"\)$/m);
      assert.match(r.stderr, /^hint: run "(buildctl-daemonless\.sh|buildctl) doctor" to check this machine for rootless builds$/m);
      assert.doesNotMatch(r.stderr, /\[rootlesskit:/, 'no raw rootlesskit lines');
      assert.doesNotMatch(r.stderr, /parsing message from fd 3/);
      // the script's filter and the CLI remove the run dir after rootlesskit is gone
      for (let i = 0; i < 20 && (await readdir(xdg)).length > 0; i++) await new Promise((res) => setTimeout(res, 50));
      assert.deepEqual(await readdir(xdg), [], `${argv.join(' ')}: run dir removed`);
    }
  });

  test('the CLI run directly (not through the script) re-runs itself under rootlesskit and builds', async () => {
    const ctx = await rootless.makeDir({ Dockerfile: `FROM ${testEnv().images.busybox}\nRUN id -u > /uid && cat /proc/self/uid_map > /map\n` });
    const dest = await rootless.tempPath('out');
    const u = testEnv().users.rootless;
    const r = await asUser(u, [process.execPath, path.join(REPO, 'bin/buildctl'), ...buildArgs(ctx, '--output', `type=local,dest=${dest}`)]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await readFile(path.join(dest, 'uid'), 'utf8'), '0\n');
    // uid 0 of the RUN is the user; the rest are the user's subuids (one user namespace: rootlesskit's)
    assert.match(await readFile(path.join(dest, 'map'), 'utf8'), new RegExp(`^\\s*0\\s+${u.uid}\\s+1\\n\\s*1\\s+\\d+\\s+65536\\n$`));
  });

  test('a failing RUN: our error line, exit 1, no rootlesskit echo; SIGTERM gives 143', async () => {
    const ctx = await rootless.makeDir({ Dockerfile: `FROM ${testEnv().images.busybox}\nRUN exit 3\n` });
    const r = await rootless.buildctl(buildArgs(ctx));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: Dockerfile:2: process "\/bin\/sh -c exit 3" did not complete successfully: exit code: 3/m);
    assert.doesNotMatch(r.stderr, /rootlesskit/);
    const nap = `${31 + Math.random()}`.slice(0, 8); // a sleep argument no other process uses
    const slow = await rootless.makeDir({ Dockerfile: `FROM ${testEnv().images.busybox}\nRUN echo started && sleep ${nap}\n` });
    const child = rootless.spawnBuildctl(buildArgs(slow));
    let err = '';
    await new Promise<void>((resolve) => child.stderr!.on('data', (d: Buffer) => { err += d.toString(); if (/started/.test(err)) resolve(); }));
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    assert.equal(code, 143, err);
    assert.match(err, /error: canceled by SIGTERM/);
    const left = await execa('pgrep', ['-f', `sleep ${nap}`], { reject: false });
    assert.equal(left.stdout.trim(), '', 'the RUN process was killed');
  });

  test('root and rootless never share a state dir', async () => {
    const dir = await rootless.ownedDir('shared-root-');
    const ctx = await rootless.makeDir({ Dockerfile: `FROM ${testEnv().images.busybox}\nRUN true\n` });
    const first = await rootless.buildctl(buildArgs(ctx), { env: { BUILDKITD_FLAGS: `--root ${dir}` } });
    assert.equal(first.code, 0, first.stderr);
    const second = await root.buildctl(buildArgs(ctx), { env: { BUILDKITD_FLAGS: `--root ${dir}` } });
    assert.equal(second.code, 1);
    const uid = testEnv().users.rootless.uid;
    assert.match(second.stderr, new RegExp(`^error: state dir ${dir} belongs to rootless builds of uid ${uid} and this is a root build: root and rootless state dirs are never mixed\\nhint: use another --root`, 'm'));
  });
});

for (const w of testWorkers()) describe(`${w.name}: network and process sandbox`, () => {
  test('RUN shares the host network (reaches the loopback registry); --network=none has only lo', async () => {
    const { registry } = testEnv();
    const [host, port] = registry.split(':');
    const ctx = await w.makeDir({
      Dockerfile: `FROM ${testEnv().images.busybox}
RUN printf 'GET /v2/ HTTP/1.0\\r\\n\\r\\n' | nc ${host} ${port} | head -1 > /host-net
RUN --network=none tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' > /none-net; (printf 'x' | nc ${host} ${port}) 2>/dev/null && echo reached > /none-reach || true
`,
    });
    const dest = await w.tempPath('out');
    const r = await w.buildctl(buildArgs(ctx, '--output', `type=local,dest=${dest}`));
    assert.equal(r.code, 0, r.stderr);
    assert.match(await readFile(path.join(dest, 'host-net'), 'utf8'), /^HTTP\/1\.[01] 200 OK/);
    assert.equal(await readFile(path.join(dest, 'none-net'), 'utf8'), 'lo\n');
    await assert.rejects(readFile(path.join(dest, 'none-reach')));
  });

  test('RUN has its own PID namespace; --oci-worker-no-process-sandbox shares the host\'s', async () => {
    const ctx = await w.makeDir({ Dockerfile: `FROM ${testEnv().images.busybox}\nRUN echo $$ > /pid; cat /proc/1/comm > /pid1\n` });
    const hostPid1 = await readFile('/proc/1/comm', 'utf8');
    const a = await w.tempPath('a');
    const sandboxed = await w.buildctl(buildArgs(ctx, '--output', `type=local,dest=${a}`));
    assert.equal(sandboxed.code, 0, sandboxed.stderr);
    assert.equal(await readFile(path.join(a, 'pid'), 'utf8'), '1\n');
    const b = await w.tempPath('b');
    const shared = await w.buildctl(buildArgs(ctx, '--output', `type=local,dest=${b}`), { env: { BUILDKITD_FLAGS: '--oci-worker-no-process-sandbox' } });
    assert.equal(shared.code, 0, shared.stderr);
    assert.notEqual(await readFile(path.join(b, 'pid'), 'utf8'), '1\n');
    assert.equal(await readFile(path.join(b, 'pid1'), 'utf8'), hostPid1);
  });
});

describe('oci-rootless: an unprivileged container\'s /proc', () => {
  // Like docker: paths of /proc masked by mounts over them. Those mounts are locked in the user namespace, and
  // the kernel then refuses a fresh /proc.
  const masked = 'mount --bind /dev/null /proc/timer_list';
  test('a RUN fails with a hint to --oci-worker-no-process-sandbox and doctor; with the flag it works', async () => {
    const u = testEnv().users.rootless;
    const ctx = await rootless.makeDir({ Dockerfile: `FROM ${testEnv().images.busybox}\nRUN echo ran > /ran\n` });
    const r = await asUserIn(masked, u, [SCRIPT, ...buildArgs(ctx)]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: Dockerfile:2: runc run failed: .*error mounting "proc" to rootfs at "\/proc".*operation not permitted/m);
    assert.match(r.stderr, /^hint: .*BUILDKITD_FLAGS=--oci-worker-no-process-sandbox; run "buildctl doctor"/m);
    const dest = await rootless.tempPath('out');
    const ok = await asUserIn(masked, u, [SCRIPT, ...buildArgs(ctx, '--output', `type=local,dest=${dest}`)], { BUILDKITD_FLAGS: '--oci-worker-no-process-sandbox' });
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(await readFile(path.join(dest, 'ran'), 'utf8'), 'ran\n');
  });
});

describe('oci-rootless: --oci-worker-net=slirp4netns', () => {
  test('the whole build is isolated: RUN sees a tap device and cannot reach the host loopback', async () => {
    const u = testEnv().users.rootless;
    const [host, port] = testEnv().registry.split(':');
    // No registry either (the CLI is isolated too): busybox from the context.
    const ctx = await rootless.makeDir({
      Dockerfile: `FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "sh", "-c", "/bin/busybox tail -n +3 /proc/net/dev | /bin/busybox cut -d: -f1 | /bin/busybox tr -d ' ' > /ifs; (printf x | /bin/busybox nc ${host} ${port}) 2>/dev/null && echo reached > /reach || true"]
`,
    });
    const { copyFile, chown } = await import('node:fs/promises');
    await copyFile('/bin/busybox', path.join(ctx, 'busybox'));
    await chown(path.join(ctx, 'busybox'), u.uid, u.gid);
    const dest = await rootless.tempPath('out');
    // /dev/net/tun is 0600 on this machine: give the user a usable one in a private mount namespace only.
    const tun = 'd=$(mktemp -d) && mknod -m 0666 "$d/tun" c 10 200 && mount --bind "$d/tun" /dev/net/tun';
    const r = await asUserIn(tun, u, [SCRIPT, ...buildArgs(ctx, '--output', `type=local,dest=${dest}`)], { BUILDKITD_FLAGS: '--oci-worker-net=slirp4netns' });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual((await readFile(path.join(dest, 'ifs'), 'utf8')).trim().split('\n').sort(), ['lo', 'tap0']);
    await assert.rejects(readFile(path.join(dest, 'reach')));
  });

  test('as root it is refused with a clear line', async () => {
    const ctx = await root.makeDir({ Dockerfile: 'FROM scratch\n' });
    const r = await root.buildctl(buildArgs(ctx), { env: { BUILDKITD_FLAGS: '--oci-worker-net=slirp4netns' } });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: --oci-worker-net=slirp4netns is for rootless builds/m);
  });
});
