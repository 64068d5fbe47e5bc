/**
 * Dogfood: the repo's Dockerfile built by the tool itself (scripts/dogfood.sh), then the image checked for real:
 * unpacked with umoci (not with our own code) and run with runc the way `docker run` would run it, building a
 * small Dockerfile INSIDE it with its entrypoint, buildctl-daemonless.sh:
 *   root image      as `docker run --privileged`, state on the container's overlayfs (ephemeral) and on a volume
 *   rootless image  as `docker run --security-opt seccomp=unconfined --security-opt apparmor=unconfined` (Docker's
 *                   default capabilities, masked /proc paths) as uid 1000, like moby/buildkit:rootless
 * The image build uses the test registry's `node` and `debian` images as NODE_IMAGE and DEBIAN_IMAGE, and needs
 * apt (Debian's mirror) and npm (registry.npmjs.org) from its RUN steps. It is the slow part: measured on
 * 2 cores, 51-54 s cold for the root image (apt 13-17 s, npm ci with the addon's compile 30 s, tsc 8 s), then
 * 5-6 s for the rootless one (shared stages cached); umoci unpack about 3 s each, a build inside under 1 s.
 * The whole file: 68-74 s.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmod, chown, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { testEnv } from '../helpers/env.js';
import { dockerRun, type Bind } from './docker-run.js';
import { makeDir, REPO, run } from './helpers.js';

const DOGFOOD = path.join(REPO, 'scripts/dogfood.sh');
const skip = process.getuid?.() === 0 ? false : 'runs containers with runc: needs root';

interface RunResult { code: number; stdout: string; stderr: string }

function runWithEnv(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/** The parts of an OCI image config this test reads. */
interface ImageConfig {
  config: { Entrypoint?: string[] | null; Cmd?: string[] | null; Env?: string[]; User?: string; Volumes?: Record<string, object> };
}

interface Unpacked { rootfs: string; config: ImageConfig['config'] }

/** Extracts an OCI archive and unpacks its one image with umoci; returns the rootfs and the image config. */
async function unpack(tar: string, tag: string, dir: string): Promise<Unpacked> {
  const layout = path.join(dir, 'layout');
  const bundle = path.join(dir, 'bundle');
  await mkdir(layout, { recursive: true });
  await run('tar', ['-xf', tar, '-C', layout]);
  await run('umoci', ['unpack', '--image', `${layout}:${tag}`, bundle]);
  const blob = async (digest: string): Promise<unknown> =>
    JSON.parse(await readFile(path.join(layout, 'blobs', 'sha256', digest.replace('sha256:', '')), 'utf8'));
  const index = JSON.parse(await readFile(path.join(layout, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
  const manifest = (await blob(index.manifests[0]!.digest)) as { config: { digest: string } };
  const config = (await blob(manifest.config.digest)) as ImageConfig;
  await rm(layout, { recursive: true, force: true });
  return { rootfs: path.join(bundle, 'rootfs'), config: config.config };
}

let work: string;
let ctx: string;
const images: { root?: Unpacked; rootless?: Unpacked } = {};

before(async () => {
  if (skip) return;
  work = await mkdtemp(path.join(os.tmpdir(), 'buildctl-test-dogfood-'));
  ctx = await makeDir({
    Dockerfile: `FROM ${testEnv().images.busybox}
RUN echo "built inside $(hostname)" > /hello && id -u > /uid && [ "$(cat /hello)" = "built inside buildkitsandbox" ]
`,
  });
  await chmod(ctx, 0o755); // readable by the rootless image's uid 1000
});

after(async () => {
  if (work) await rm(work, { recursive: true, force: true });
  if (ctx) await rm(ctx, { recursive: true, force: true });
});

/** scripts/dogfood.sh --only VARIANT with the test images; both variants share one state dir. */
async function dogfood(variant: 'root' | 'rootless'): Promise<{ tar: string; seconds: number }> {
  const env = testEnv();
  const t0 = performance.now();
  const r = await runWithEnv(DOGFOOD, ['--only', variant, '--out', path.join(work, 'images'), '--progress', 'plain'], {
    NODE_IMAGE: env.images.node,
    DEBIAN_IMAGE: env.images.debian,
    DOGFOOD_ROOT: path.join(work, 'state'),
    BUILDKITD_FLAGS: '',
  });
  const seconds = (performance.now() - t0) / 1000;
  assert.equal(r.code, 0, r.stderr.slice(-6000));
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 1, r.stdout);
  return { tar: lines[0]!, seconds };
}

/** Builds ctx inside the image as `docker run` would, its output in a host dir; returns that dir and the run. */
async function buildInside(img: Unpacked, o: { privileged: boolean; uid: number; gid: number; env?: string[]; volume?: Bind }) {
  const out = await mkdtemp(path.join(work, 'out-'));
  await chown(out, o.uid, o.gid);
  const entrypoint = img.config.Entrypoint ?? [];
  const r = await dockerRun({
    rootfs: img.rootfs,
    args: [...entrypoint, 'build', '--frontend', 'dockerfile.v0', '--local', 'context=/work/ctx', '--local', 'dockerfile=/work/ctx',
      '--progress', 'plain', '--output', 'type=local,dest=/work/out/result'],
    env: [...(img.config.Env ?? []), ...(o.env ?? [])],
    uid: o.uid,
    gid: o.gid,
    privileged: o.privileged,
    binds: [{ source: ctx, destination: '/work/ctx', readonly: true }, { source: out, destination: '/work/out' }, ...(o.volume ? [o.volume] : [])],
    timeoutMs: 120_000,
  });
  return { out: path.join(out, 'result'), r };
}

async function assertBuilt(out: string, r: RunResult, owner: number): Promise<void> {
  assert.equal(r.code, 0, `inside the container:\n${r.stderr.slice(-4000)}`);
  assert.equal(await readFile(path.join(out, 'hello'), 'utf8'), 'built inside buildkitsandbox\n');
  assert.equal(await readFile(path.join(out, 'uid'), 'utf8'), '0\n');
  assert.equal((await stat(path.join(out, 'hello'))).uid, owner);
  assert.ok((await readdir(path.join(out, 'bin'))).includes('busybox'));
}

test('scripts/dogfood.sh builds the root image: entrypoint buildctl-daemonless.sh, node, runc and the tools it runs', { skip, timeout: 900_000 }, async (t) => {
  const { tar, seconds } = await dogfood('root');
  t.diagnostic(`root image built in ${seconds.toFixed(1)} s (cold state dir), ${((await stat(tar)).size / 1e6).toFixed(0)} MB`);
  assert.equal(path.basename(tar), 'buildctl-daemonless.tar');
  const img = await unpack(tar, 'latest', path.join(work, 'root'));
  images.root = img;
  assert.deepEqual(img.config.Entrypoint, ['buildctl-daemonless.sh']);
  assert.deepEqual(Object.keys(img.config.Volumes ?? {}), ['/var/lib/buildkit']);
  assert.ok(!img.config.User || img.config.User === '0' || img.config.User === 'root', `user ${img.config.User}`);
  for (const p of ['usr/local/bin/node', 'usr/sbin/runc', 'usr/bin/tar', 'usr/bin/pigz', 'usr/bin/zstd', 'usr/bin/getfattr',
    'usr/bin/setfattr', 'usr/bin/mount', 'usr/bin/git', 'etc/ssl/certs/ca-certificates.crt', 'opt/buildctl/dist/buildctl.mjs',
    'opt/buildctl/node_modules/zstd-napi/build/Release/binding.node']) {
    await stat(path.join(img.rootfs, p)).catch(() => assert.fail(`${p} missing from the image`));
  }
  assert.equal(await readlink(path.join(img.rootfs, 'usr/local/bin/buildctl-daemonless.sh')), '/opt/buildctl/scripts/buildctl-daemonless.sh');
  // The runtime image carries no build toolchain.
  await assert.rejects(lstat(path.join(img.rootfs, 'usr/bin/g++')));
});

test('root image: buildctl-daemonless.sh build inside a privileged container (state on its overlayfs)', { skip, timeout: 180_000 }, async (t) => {
  assert.ok(images.root, 'the root image was built');
  const t0 = performance.now();
  const { out, r } = await buildInside(images.root, { privileged: true, uid: 0, gid: 0 });
  t.diagnostic(`build inside the container: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  await assertBuilt(out, r, 0);
});

test('root image: with the /var/lib/buildkit volume as the state dir', { skip, timeout: 180_000 }, async () => {
  assert.ok(images.root, 'the root image was built');
  const volume = await mkdtemp(path.join(work, 'volume-'));
  const { out, r } = await buildInside(images.root, {
    privileged: true, uid: 0, gid: 0, env: ['BUILDKITD_FLAGS=--root /var/lib/buildkit'],
    volume: { source: volume, destination: '/var/lib/buildkit' },
  });
  await assertBuilt(out, r, 0);
  assert.notDeepEqual(await readdir(volume), [], 'the state went to the volume');
});

test('scripts/dogfood.sh builds the rootless image: user 1000, BUILDKITD_FLAGS, rootlesskit, newuidmap with file capabilities', { skip, timeout: 900_000 }, async (t) => {
  const { tar, seconds } = await dogfood('rootless');
  t.diagnostic(`rootless image built in ${seconds.toFixed(1)} s (after the root image), ${((await stat(tar)).size / 1e6).toFixed(0)} MB`);
  assert.equal(path.basename(tar), 'buildctl-daemonless-rootless.tar');
  const img = await unpack(tar, 'rootless', path.join(work, 'rootless'));
  images.rootless = img;
  assert.deepEqual(img.config.Entrypoint, ['buildctl-daemonless.sh']);
  assert.equal(img.config.User, '1000:1000');
  assert.deepEqual(Object.keys(img.config.Volumes ?? {}), ['/home/user/.local/share/buildkit']);
  for (const e of ['HOME=/home/user', 'USER=user', 'XDG_RUNTIME_DIR=/run/user/1000', 'BUILDKITD_FLAGS=--oci-worker-no-process-sandbox']) {
    assert.ok(img.config.Env?.includes(e), `Env has ${e}: ${img.config.Env?.join(' ')}`);
  }
  for (const p of ['usr/bin/rootlesskit', 'usr/bin/slirp4netns', 'usr/sbin/runc', 'usr/local/bin/node']) {
    await stat(path.join(img.rootfs, p)).catch(() => assert.fail(`${p} missing from the image`));
  }
  assert.equal(await readFile(path.join(img.rootfs, 'etc/subuid'), 'utf8'), 'user:100000:65536\n');
  assert.equal(await readFile(path.join(img.rootfs, 'etc/subgid'), 'utf8'), 'user:100000:65536\n');
  const runDir = await stat(path.join(img.rootfs, 'run/user/1000'));
  assert.deepEqual([runDir.uid, runDir.gid, runDir.mode & 0o777], [1000, 1000, 0o700]);
  assert.equal((await stat(path.join(img.rootfs, 'home/user/.local/share/buildkit'))).uid, 1000);
  // File capabilities, not setuid: see the Dockerfile's rootless stage for why.
  const caps = await run('getcap', [path.join(img.rootfs, 'usr/bin/newuidmap'), path.join(img.rootfs, 'usr/bin/newgidmap')]);
  assert.match(caps, /newuidmap cap_setuid=ep/);
  assert.match(caps, /newgidmap cap_setgid=ep/);
  assert.equal((await stat(path.join(img.rootfs, 'usr/bin/newuidmap'))).mode & 0o4000, 0);
});

test('rootless image: buildctl-daemonless.sh build inside an unprivileged container as uid 1000', { skip, timeout: 180_000 }, async (t) => {
  assert.ok(images.rootless, 'the rootless image was built');
  const t0 = performance.now();
  const { out, r } = await buildInside(images.rootless, { privileged: false, uid: 1000, gid: 1000 });
  t.diagnostic(`build inside the container: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  // --output type=local as rootless: files owned by the invoking user, like BuildKit's client-side export.
  await assertBuilt(out, r, 1000);
});

test('rootless image: doctor passes inside the unprivileged container', { skip, timeout: 180_000 }, async () => {
  assert.ok(images.rootless, 'the rootless image was built');
  const r = await dockerRun({
    rootfs: images.rootless.rootfs, args: [...(images.rootless.config.Entrypoint ?? []), 'doctor'], env: images.rootless.config.Env ?? [],
    uid: 1000, gid: 1000, privileged: false, binds: [], timeoutMs: 60_000,
  });
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /PASS\s+newuidmap/);
  assert.match(r.stdout, /PASS\s+rootlesskit-start/);
});

test('rootless image: with its volume as the state dir', { skip, timeout: 180_000 }, async () => {
  assert.ok(images.rootless, 'the rootless image was built');
  const volume = await mkdtemp(path.join(work, 'volume-'));
  await chown(volume, 1000, 1000);
  const { out, r } = await buildInside(images.rootless, {
    privileged: false, uid: 1000, gid: 1000,
    env: ['BUILDKITD_FLAGS=--oci-worker-no-process-sandbox --root /home/user/.local/share/buildkit'],
    volume: { source: volume, destination: '/home/user/.local/share/buildkit' },
  });
  await assertBuilt(out, r, 1000);
  assert.notDeepEqual(await readdir(volume), [], 'the state went to the volume');
});

test('rootless image: without --oci-worker-no-process-sandbox the build says why it cannot mount /proc', { skip, timeout: 180_000 }, async () => {
  assert.ok(images.rootless, 'the rootless image was built');
  const { r } = await buildInside(images.rootless, { privileged: false, uid: 1000, gid: 1000, env: ['BUILDKITD_FLAGS='] });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /--oci-worker-no-process-sandbox/);
});
