/**
 * The native snapshotter on a state dir that lives on overlayfs (issue 3: `docker run` with the state dir on the
 * container's overlayfs root), as root and rootless: overlayfs refuses whiteout devices there (mknod is EPERM,
 * also for real root), so the native layer dirs keep OCI `.wh.` markers. Builds on the busybox and Debian test
 * images whose RUN steps delete files and replace directories, with COPY and COPY --from, give the same type=local
 * tree and the same image (unpacked with umoci; the same `.wh.` entries in each layer) as the same build with the
 * overlayfs snapshotter on ext4. So does a build FROM an image whose layers contain whiteouts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { testEnv } from '../helpers/env.js';
import { manifest } from '../snapshot/helpers.js';
import { buildArgs, buildctl, makeDir, run, tempPath } from './helpers.js';
import { type OverlayHost, fsType, nativeStateProblems, overlayHost, rmAll, umociUnpack } from './overlayfs-host.js';
import { type TestWorker, testWorkers } from './workers.js';

function dockerfile(): string {
  const env = testEnv();
  return `FROM ${env.images.debian} AS deb
RUN rm -rf /usr/share/doc /etc/cron.daily && rm /etc/issue && mkdir -p /opt/d/sub && echo a > /opt/d/sub/f && echo b > /opt/d/g
RUN rm -rf /opt/d && mkdir /opt/d && echo new > /opt/d/h && useradd -u 1000 app && chown app /opt/d/h

FROM ${env.images.busybox} AS bb
RUN mkdir -p /data/x/sub && echo 1 > /data/x/sub/f && echo keep > /data/keep && echo gone > /data/gone
RUN rm -rf /data/x /data/gone /bin/ls && mkdir /data/x && echo 2 > /data/x/g && rm -rf /root && mkdir /root && echo r > /root/r

FROM bb AS bb-final
COPY --from=deb /opt /opt
COPY ctx.txt /ctx/
RUN rm -rf /ctx /opt/d/h /data/keep && echo done > /done

FROM deb AS deb-final
COPY --from=bb /data /data
COPY ctx.txt /ctx/
RUN rm -rf /ctx /data/x && mkdir /data/x && echo 3 > /data/x/h && rm -rf /etc/apt && mkdir /etc/apt && echo apt > /etc/apt/only
`;
}

interface Built { local: string[]; rootfs: string[]; whiteouts: string[][]; ms: number }

/** Build with both outputs into fresh paths; the local tree and the umoci-unpacked image, without mtimes. */
async function buildBoth(w: TestWorker, o: { ctx: string; root: string; target?: string }): Promise<Built> {
  const local = await w.tempPath('local');
  const oci = await w.tempPath('image.tar');
  const started = Date.now();
  const r = await w.buildctl([
    ...buildArgs(o.ctx, '--output', `type=local,dest=${local}`, '--output', `type=oci,dest=${oci},name=test/native:1`),
    ...(o.target ? ['--opt', `target=${o.target}`] : []),
  ], { env: { BUILDKITD_FLAGS: `--root ${o.root}` } });
  const ms = Date.now() - started;
  assert.equal(r.code, 0, r.stderr);
  const image = await umociUnpack(oci);
  const result = { local: await manifest(local, { mtimes: false }), rootfs: await manifest(image.rootfs, { mtimes: false }), whiteouts: image.whiteouts, ms };
  await rmAll(path.dirname(local), path.dirname(oci), path.dirname(path.dirname(image.rootfs)));
  return result;
}

/** Build the same thing on an ext4 state dir (overlayfs snapshotter) and on one on overlayfs (native). */
async function compare(w: TestWorker, host: OverlayHost, o: { ctx: string; target?: string }): Promise<{ overlay: Built; native: Built; state: string }> {
  const ext4 = await w.ownedDir('state-ext4-');
  const state = await host.stateDir(`st-${randomBytes(4).toString('hex')}`, w);
  assert.equal(await fsType(state), 'overlayfs');
  const overlay = await buildBoth(w, { ...o, root: ext4 });
  const native = await buildBoth(w, { ...o, root: state });
  console.log(`${w.name} ${o.target ?? ''}: overlayfs ${overlay.ms} ms, native on overlayfs ${native.ms} ms`);
  assert.deepEqual(native.local, overlay.local, 'type=local: the same tree');
  assert.deepEqual(native.rootfs, overlay.rootfs, 'type=oci unpacked by umoci: the same rootfs');
  assert.deepEqual(native.whiteouts, overlay.whiteouts, 'the same .wh. entries in each layer');
  const { problems, markers } = await nativeStateProblems(state);
  assert.deepEqual(problems, [], 'no whiteout device and no overlay xattr in the native state dir');
  assert.ok(markers > 0, 'the native layers hold .wh. markers');
  await rmAll(ext4);
  return { overlay, native, state };
}

for (const w of testWorkers()) describe(w.name, () => {
  let host: OverlayHost;
  before(async () => { host = await overlayHost(); });
  after(async () => { await host.cleanup(); });

  test('busybox stage with COPY --from a Debian stage: native on overlayfs = overlayfs on ext4', async () => {
    const ctx = await w.makeDir({ Dockerfile: dockerfile(), 'ctx.txt': 'from the context\n' });
    const { native } = await compare(w, host, { ctx, target: 'bb-final' });
    const line = (p: string): string | undefined => native.local.find((l) => l.split(' ')[0] === p);
    assert.equal(line('bin/ls'), undefined);
    assert.equal(line('data/gone'), undefined);
    assert.equal(line('data/x/sub'), undefined, 'the replaced dir hides its old content');
    assert.match(line('data/x/g')!, / 2 /);
    assert.deepEqual(native.local.filter((l) => l.startsWith('root/')).map((l) => l.split(' ')[0]), ['root/r']);
    assert.equal(line('ctx'), undefined);
    assert.equal(line('opt/d/h'), undefined);
    const all = native.whiteouts.flat();
    for (const wh of ['bin/.wh.ls', 'data/.wh.gone', 'data/x/.wh..wh..opq', 'root/.wh..wh..opq', '.wh.ctx', 'opt/d/.wh.h', 'data/.wh.keep']) {
      assert.ok(all.includes(wh), `${wh} in ${JSON.stringify(native.whiteouts)}`);
    }
  });

  test('Debian stage with COPY --from a busybox stage: native on overlayfs = overlayfs on ext4', async () => {
    const ctx = await w.makeDir({ Dockerfile: dockerfile(), 'ctx.txt': 'from the context\n' });
    const { native } = await compare(w, host, { ctx, target: 'deb-final' });
    const line = (p: string): string | undefined => native.local.find((l) => l.split(' ')[0] === p);
    assert.equal(line('usr/share/doc'), undefined);
    assert.equal(line('etc/issue'), undefined);
    assert.deepEqual(native.local.filter((l) => l.startsWith('etc/apt/')).map((l) => l.split(' ')[0]), ['etc/apt/only']);
    assert.deepEqual(native.local.filter((l) => l.startsWith('data/x/')).map((l) => l.split(' ')[0]), ['data/x/h']);
    assert.match(native.rootfs.find((l) => l.startsWith('opt/d/h '))!, / 1000:0 /, 'chown app in the image');
    const all = native.whiteouts.flat();
    for (const wh of ['usr/share/.wh.doc', 'etc/.wh.cron.daily', 'etc/.wh.issue', 'opt/d/.wh..wh..opq', '.wh.ctx', 'data/x/.wh..wh..opq', 'etc/apt/.wh..wh..opq']) {
      assert.ok(all.includes(wh), `${wh} in ${JSON.stringify(native.whiteouts)}`);
    }
  });

  test('FROM an image whose layers hold whiteouts: native on overlayfs = overlayfs on ext4', async () => {
    const ref = await imageWithWhiteouts();
    const ctx = await w.makeDir({
      Dockerfile: `FROM ${ref}\nRUN ls -a /root /var > /listing && rm -rf /etc/version /usr && mkdir /usr && echo u > /usr/only\n`,
    });
    const { native, state } = await compare(w, host, { ctx });
    const line = (p: string): string | undefined => native.local.find((l) => l.split(' ')[0] === p);
    assert.equal(line('bin/ls'), undefined, 'deleted by a layer of the base image');
    assert.equal(line('var/spool'), undefined);
    assert.deepEqual(native.local.filter((l) => l.startsWith('root/')).map((l) => l.split(' ')[0]), ['root/kept']);
    assert.deepEqual(native.local.filter((l) => l.startsWith('usr/')).map((l) => l.split(' ')[0]), ['usr/only']);
    assert.equal(line('etc/version'), undefined);
    // The pulled layers were unpacked as markers.
    assert.notEqual((await run('find', [state, '-path', '*/diff/bin/.wh.ls'])).trim(), '');
    assert.ok(native.whiteouts.flat().includes('bin/.wh.ls') && native.whiteouts.flat().includes('etc/.wh.version'));
  });
});

let pushed: Promise<string> | undefined;

/** Built once as root with the overlayfs snapshotter and pushed to the test registry. */
function imageWithWhiteouts(): Promise<string> {
  pushed ??= (async () => {
    const env = testEnv();
    const ctx = await makeDir({
      Dockerfile: `FROM ${env.images.busybox}
RUN rm -rf /bin/ls /root /var/spool && mkdir /root && echo k > /root/kept && echo gone > /root/gone && echo v > /etc/version
RUN rm /root/gone
`,
    });
    const archive = await tempPath('wh.tar');
    const r = await buildctl([...buildArgs(ctx, '--output', `type=oci,dest=${archive},name=test/wh:1`)], { env: { BUILDKITD_FLAGS: `--root ${await tempPath('state')}` } });
    assert.equal(r.code, 0, r.stderr);
    const ref = `${env.registry}/test/native-wh:${randomBytes(4).toString('hex')}`;
    await run('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', `oci-archive:${archive}`, `docker://${ref}`]);
    await rmAll(ctx, path.dirname(archive));
    return ref;
  })();
  return pushed;
}
