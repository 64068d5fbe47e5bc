/**
 * runContainer against real runc (as root) on a busybox rootfs mounted as overlay, so writes land in an upper dir.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, stat, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { AbortError, killAllContainers, runContainer, type ExecMount, type RunOptions } from '../../src/runtime/index.js';
import { ExecError } from '../../src/errors.js';
import { makeBusyboxOverlay, type OverlayRootfs } from './busybox-rootfs.js';

let fx: OverlayRootfs;
let seq = 0;

before(async () => { fx = await makeBusyboxOverlay(); });
after(async () => { await fx.cleanup(); });

interface Captured { exitCode: number; out: string; err: string }

/** Run a shell script in the container; collects stdout and stderr separately. */
async function sh(script: string, extra: Partial<RunOptions> & { env?: string[]; cwd?: string; user?: string } = {}): Promise<Captured> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const { env, cwd, user, ...rest } = extra;
  const r = await runContainer({
    id: `t${process.pid}-${seq++}`,
    rootfs: fx.merged,
    process: { args: ['/bin/sh', '-c', script], env: env ?? [], cwd: cwd ?? '/', user },
    network: 'host',
    rootless: false,
    bundleDir: await fx.newBundle(),
    runcRoot: fx.runcRoot,
    onOutput: (s, c) => (s === 1 ? out : err).push(c),
    ...rest,
  });
  return { exitCode: r.exitCode, out: Buffer.concat(out).toString(), err: Buffer.concat(err).toString() };
}

test('exit codes: 0 and non-zero are results', async () => {
  assert.equal((await sh('true')).exitCode, 0);
  assert.equal((await sh('exit 42')).exitCode, 42);
});

test('stdout and stderr arrive separately', async () => {
  const r = await sh('echo to-out; echo to-err >&2');
  assert.equal(r.out, 'to-out\n');
  assert.equal(r.err, 'to-err\n');
});

test('env, default PATH and cwd (created when missing, root-owned)', async () => {
  const r = await sh('echo "$FOO|$PATH"; pwd', { env: ['FOO=bar baz'], cwd: '/new/work/dir' });
  assert.equal(r.out, 'bar baz|/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n/new/work/dir\n');
  const st = await stat(path.join(fx.upper, 'new/work/dir'));
  assert.equal(st.uid, 0);
  assert.equal(st.mode & 0o777, 0o755);
  const own = await sh('echo $PATH', { env: ['PATH=/bin'] });
  assert.equal(own.out, '/bin\n');
});

test('USER by name gets passwd ids and supplementary groups; uid:gid is taken as is', async () => {
  assert.equal((await sh('id -u; id -g; id -G', { user: 'alice' })).out, '1000\n1000\n1000 10\n');
  assert.equal((await sh('id -u; id -g; id -G', { user: 'bob' })).out, '1001\n100\n100 10 29\n');
  assert.equal((await sh('id -u; id -g', { user: '1234:5678' })).out, '1234\n5678\n');
  assert.equal((await sh('id -u; id -g; id -G', { user: 'alice:users' })).out, '1000\n100\n100\n');
});

test('USER that does not exist fails before anything runs', async () => {
  await assert.rejects(sh('true', { user: 'nobody-here' }), (e: unknown) =>
    e instanceof ExecError && e.message === 'unable to find user nobody-here: no matching entries in passwd file');
});

test('a non-root user has no effective capabilities; root can chown', async () => {
  const root = await sh('touch /tmp/c && chown 1000:1000 /tmp/c && stat -c %u:%g /tmp/c && grep CapEff /proc/self/status');
  assert.equal(root.exitCode, 0, root.err);
  assert.match(root.out, /^1000:1000\nCapEff:\s+00000000a80425fb\n$/);
  const alice = await sh('grep CapEff /proc/self/status; chown 0 /tmp/c', { user: 'alice' });
  assert.match(alice.out, /CapEff:\s+0{16}/);
  assert.notEqual(alice.exitCode, 0);
});

test('network none has only lo; host network sees the host interfaces', async () => {
  const none = await sh('cut -d: -f1 /proc/net/dev | tail -n +3', { network: 'none' });
  assert.equal(none.out.trim().split(/\s+/).join(','), 'lo');
  const hostIfs = Object.keys(os.networkInterfaces()).sort();
  const host = await sh('cut -d: -f1 /proc/net/dev | tail -n +3');
  for (const i of hostIfs) assert.ok(host.out.split(/\s+/).includes(i), `host interface ${i} missing in ${host.out}`);
});

test('hostname, /etc/hosts and /etc/resolv.conf', async () => {
  const r = await sh('hostname; cat /etc/hosts; cat /etc/resolv.conf');
  const [name, ...rest] = r.out.split('\n');
  assert.equal(name, 'buildkitsandbox');
  assert.match(rest.join('\n'), /^127\.0\.0\.1\tlocalhost buildkitsandbox\n::1\tlocalhost ip6-localhost ip6-loopback\n/);
  assert.match(r.out, /nameserver /);
  assert.equal((await sh('hostname', { hostname: 'other' })).out, 'other\n');
});

test('RLIMIT_NOFILE is not above the caller hard limit', async () => {
  const limits = await readFile('/proc/self/limits', 'utf8');
  const hard = limits.split('\n').find((l) => l.startsWith('Max open files'))!.split(/\s+/)[4]!;
  const r = await sh('ulimit -Hn; ulimit -Sn');
  assert.equal(r.exitCode, 0, r.err);
  const [h, s] = r.out.trim().split('\n').map(Number);
  assert.ok(h! <= (hard === 'unlimited' ? Infinity : Number(hard)), `hard ${h} above ${hard}`);
  assert.ok(s! <= h!);
});

test('no mount stubs are left in the upper dir; real writes stay', async () => {
  const src = await mkdtemp('bind-src');
  await writeFile(path.join(src, 'f'), 'from host');
  const mounts: ExecMount[] = [
    { type: 'bind', source: src, destination: '/mnt/deep/bind', readonly: true },
    { type: 'tmpfs', destination: '/cache' },
  ];
  const r = await sh('cat /mnt/deep/bind/f; echo kept > /kept; echo x > /cache/gone', { mounts });
  assert.equal(r.out, 'from host');
  const upper = (await execa('find', ['.', '-mindepth', '1'], { cwd: fx.upper })).stdout.split('\n').sort();
  for (const stub of ['./proc', './dev', './sys', './etc/hosts', './etc/resolv.conf', './mnt', './cache']) {
    assert.ok(!upper.includes(stub), `stub ${stub} left in upper: ${upper.join(' ')}`);
  }
  assert.ok(upper.includes('./kept'));
  assert.deepEqual(await readdir(fx.merged).then((e) => e.filter((n) => ['proc', 'dev', 'sys', 'mnt', 'cache'].includes(n))), []);
});

test('abort kills the process and leaves no container', async () => {
  const ac = new AbortController();
  const marker = `/tmp/started-${seq}`;
  const nap = `${31 + Math.random()}`.slice(0, 8); // a sleep argument no other process uses
  const started = sh(`touch ${marker}; sleep ${nap}; echo survived > /tmp/survived`, { signal: ac.signal });
  const t0 = Date.now();
  while (!(await exists(path.join(fx.merged, marker)))) {
    if (Date.now() - t0 > 5000) throw new Error('container did not start');
    await new Promise((r) => setTimeout(r, 10));
  }
  ac.abort();
  await assert.rejects(started, (e: unknown) => e instanceof AbortError && e.name === 'AbortError');
  assert.ok(Date.now() - t0 < 5000);
  assert.equal((await execa('runc', ['--root', fx.runcRoot, 'list', '-q'])).stdout.trim(), '');
  assert.equal((await execa('pgrep', ['-f', `sleep ${nap}`], { reject: false })).stdout.trim(), '');
  assert.equal(await exists(path.join(fx.merged, 'tmp/survived')), false);
});

test('an already aborted signal runs nothing', async () => {
  await assert.rejects(sh('touch /tmp/should-not', { signal: AbortSignal.abort() }), { name: 'AbortError' });
  assert.equal(await exists(path.join(fx.merged, 'tmp/should-not')), false);
});

test('runc failing to start the process is an ExecError with runc\'s reason', async () => {
  await assert.rejects(
    runContainer({
      id: `t${process.pid}-${seq++}`, rootfs: fx.merged, process: { args: ['/no/such/binary'], env: [], cwd: '/' },
      network: 'host', rootless: false, bundleDir: await fx.newBundle(), runcRoot: fx.runcRoot, onOutput: () => {},
    }),
    (e: unknown) => e instanceof ExecError && /^runc run failed: unable to start container process: .*no such file or directory$/.test(e.message),
  );
  assert.equal((await execa('runc', ['--root', fx.runcRoot, 'list', '-q'])).stdout.trim(), '');
});

async function mkdtemp(name: string): Promise<string> {
  const d = path.join(fx.dir, `${name}-${seq++}`);
  await mkdir(d);
  return d;
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(() => true, () => false);
}

test('killAllContainers kills and deletes running containers; a missing runc root is left alone', async () => {
  const marker = `/tmp/kill-all-${seq}`;
  const running = sh(`touch ${marker}; sleep 30`);
  const t0 = Date.now();
  while (!(await exists(path.join(fx.merged, marker)))) {
    if (Date.now() - t0 > 5000) throw new Error('container did not start');
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.equal((await execa('runc', ['--root', fx.runcRoot, 'list', '-q'])).stdout.trim().split('\n').length, 1);
  await killAllContainers(fx.runcRoot);
  assert.equal((await running).exitCode, 137);
  assert.equal((await execa('runc', ['--root', fx.runcRoot, 'list', '-q'])).stdout.trim(), '');
  const missing = path.join(fx.dir, 'no-runc-root');
  await killAllContainers(missing);
  assert.equal(await exists(missing), false);
});

test('abort while the run is being prepared: nothing runs, no stubs, no container', async () => {
  const ac = new AbortController();
  const p = sh('touch /tmp/prep-should-not', { signal: ac.signal, mounts: [{ type: 'tmpfs', destination: '/prep-stub' }] });
  ac.abort(new Error('stop'));
  await assert.rejects(p, (e: unknown) => e instanceof AbortError && (e.cause as Error).message === 'stop');
  assert.equal(await exists(path.join(fx.merged, 'tmp/prep-should-not')), false);
  assert.equal(await exists(path.join(fx.merged, 'prep-stub')), false);
  assert.equal((await execa('runc', ['--root', fx.runcRoot, 'list', '-q'])).stdout.trim(), '');
});
