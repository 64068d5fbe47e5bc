/**
 * du, prune and the end-of-build GC through scripts/buildctl-daemonless.sh, as root and rootless (a rootless
 * state dir holds subuid-owned files, so du/prune run inside rootlesskit too). Budgets are checked with the real
 * `du -sb` of the state dir. Also: --oci-worker-gc-keepstorage (flag and BUILDKITD_FLAGS), last use = last cache
 * hit (LRU), and a prune while a build on the same --root runs (leases).
 */
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { testEnv } from '../helpers/env.js';
import { readFile } from 'node:fs/promises';
import { buildArgs, run } from './helpers.js';
import { testWorkers, type TestWorker } from './workers.js';

async function diskBytes(dir: string): Promise<number> {
  return Number((await run('du', ['-sb', dir])).split('\t')[0]);
}

const ROW = /^[a-f0-9]{64} *\t+true *\t+[0-9.]+[kMG]?B *\t+.* ago$/gm;
const IN_USE_ROW = /^[a-f0-9]{64} *\t+false *\t+[0-9.]+[kMG]?B *\t+.* ago$/gm;
/** The output of a RUN that printed `word`: it executed (a cached RUN prints nothing). */
const ran = (word: string): RegExp => new RegExp(`#\\d+ [\\d.]+ ${word}$`, 'm');

/** Spawn a build; once its progress matches `when`, run `during` (the build is still running), then wait for both. */
async function whileBuilding<T>(w: TestWorker, args: string[], when: RegExp, during: () => Promise<T>): Promise<{ code: number; stderr: string; during: T }> {
  const child = w.spawnBuildctl(args);
  let stderr = '';
  const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? 1)));
  const reached = new Promise<boolean>((resolve) => {
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (when.test(stderr)) resolve(true);
    });
    void exited.then(() => resolve(false));
  });
  assert.ok(await reached, `the build never reached ${String(when)}:\n${stderr}`);
  const result = await during();
  const code = await exited;
  return { code, stderr, during: result };
}

for (const w of testWorkers()) describe(w.name, () => {
  let ctx: string;
  before(async () => {
    ctx = await w.makeDir({
      Dockerfile: `FROM ${testEnv().images.busybox}\nRUN head -c 3000000 /dev/urandom > /big\nRUN echo hi > /small\n`,
    });
  });

  test('a build, then du lists its records; prune --keep-storage holds; prune --all empties', async () => {
    const root = path.join(await w.ownedDir('gc-root-'), 'state');
    const b = await w.buildctl(['--root', root, ...buildArgs(ctx)]);
    assert.equal(b.code, 0, b.stderr);

    const du = await w.buildctl(['--root', root, 'du']);
    assert.equal(du.code, 0, du.stderr);
    const out = du.stdout.toString();
    assert.match(out, /^ID\t+RECLAIMABLE\t+SIZE\t+LAST ACCESSED\n/);
    assert.ok((out.match(ROW) ?? []).length >= 3, out);
    assert.match(out, /^Reclaimable:\t[0-9.]+MB\nTotal:\t\t[0-9.]+MB\n$/m);

    const verbose = (await w.buildctl(['--root', root, 'du', '-v'])).stdout.toString();
    assert.match(verbose, /^ID:\t+[a-f0-9]{64}\nCreated at:\t+\d{4}-.* UTC\nMutable:\t+false\nReclaimable:\t+true\n/m);
    assert.match(verbose, /^Type:\t+regular$/m);
    const none = (await w.buildctl(['--root', root, 'du', '--filter', 'type==exec.cachemount'])).stdout.toString();
    assert.equal(none.match(ROW), null);
    assert.match(none, /^Total:\t+0B$/m);

    const budget = (await diskBytes(root)) - 2_000_000;
    const p = await w.buildctl(['--root', root, 'prune', '--keep-storage', `${budget}B`]);
    assert.equal(p.code, 0, p.stderr);
    assert.ok((p.stdout.toString().match(ROW) ?? []).length >= 1, p.stdout.toString());
    assert.match(p.stdout.toString(), /^Total:\t[0-9.]+MB\n$/m);
    assert.ok(await diskBytes(root) <= budget, `${await diskBytes(root)} > ${budget}`);

    // What is left is consistent: the build reuses or rebuilds, and succeeds.
    const again = await w.buildctl(['--root', root, ...buildArgs(ctx)]);
    assert.equal(again.code, 0, again.stderr);

    const all = await w.buildctl(['--root', root, 'prune', '--all']);
    assert.equal(all.code, 0, all.stderr);
    const after = (await w.buildctl(['--root', root, 'du'])).stdout.toString();
    assert.equal(after.match(ROW), null, after);
    assert.match(after, /^Total:\t+0B$/m);
  });

  test('gckeepstorage in buildkitd.toml: the state dir stays under the budget after each build', async () => {
    const root = path.join(await w.ownedDir('gc-budget-'), 'state');
    const conf = await w.makeDir({ 'buildkitd.toml': '[worker.oci]\ngckeepstorage = "2.5MB"\n' }, 'gc-conf-');
    const flags = ['--root', root, '--config', path.join(conf, 'buildkitd.toml')];
    for (let i = 0; i < 2; i++) {
      const b = await w.buildctl([...flags, ...buildArgs(ctx)]);
      assert.equal(b.code, 0, b.stderr);
      const size = await diskBytes(root);
      assert.ok(size <= 2_500_000, `build ${i}: state dir is ${size} bytes`);
    }
  });

  test('du without --root is a one-line error; a bad filter names the key', async () => {
    const r = await w.buildctl(['du']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /du needs a persistent state dir: --root DIR/);
    const f = await w.buildctl(['--root', '/nonexistent-gc-root', 'prune', '--filter', 'tpye==regular']);
    assert.equal(f.code, 1);
    assert.match(f.stderr, /unknown key "tpye" \(did you mean type\?\)/);
  });

  test('--oci-worker-gc-keepstorage (global flag, BUILDKITD_FLAGS) holds; --oci-worker-gc=false turns the GC off; bad values are one line', async () => {
    const root = path.join(await w.ownedDir('gc-flag-'), 'state');
    for (let i = 0; i < 2; i++) {
      const b = await w.buildctl(['--root', root, '--oci-worker-gc-keepstorage', '2.5MB', ...buildArgs(ctx)]);
      assert.equal(b.code, 0, b.stderr);
      const size = await diskBytes(root);
      assert.ok(size <= 2_500_000, `flag, build ${i}: state dir is ${size} bytes`);
    }
    const viaEnv = path.join(await w.ownedDir('gc-flag-env-'), 'state');
    // A bare number is MB, as buildkitd reads it.
    const e = await w.buildctl(buildArgs(ctx), { env: { BUILDKITD_FLAGS: `--root ${viaEnv} --oci-worker-gc-keepstorage=2.5` } });
    assert.equal(e.code, 0, e.stderr);
    assert.ok(await diskBytes(viaEnv) <= 2_500_000, `BUILDKITD_FLAGS: state dir is ${await diskBytes(viaEnv)} bytes`);

    // The flag wins over the file: gc=false in the flags keeps everything the file's budget would remove.
    const off = path.join(await w.ownedDir('gc-off-'), 'state');
    const conf = await w.makeDir({ 'buildkitd.toml': '[worker.oci]\ngckeepstorage = "2.5MB"\n' }, 'gc-conf-');
    const o = await w.buildctl(buildArgs(ctx), { env: { BUILDKITD_FLAGS: `--root ${off} --config ${path.join(conf, 'buildkitd.toml')} --oci-worker-gc=false` } });
    assert.equal(o.code, 0, o.stderr);
    assert.ok(await diskBytes(off) > 3_000_000, 'nothing was collected');

    const bad = await w.buildctl(['--root', root, '--oci-worker-gc-keepstorage', 'lots', ...buildArgs(ctx)]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^error: --oci-worker-gc-keepstorage: "lots" is not a size \(e\.g\. 512MB, 10GB\)\n$/);
    const badEnv = await w.buildctl(buildArgs(ctx), { env: { BUILDKITD_FLAGS: '--oci-worker-gc-keepstorage=5XB' } });
    assert.equal(badEnv.code, 1);
    assert.match(badEnv.stderr, /--oci-worker-gc-keepstorage: "5XB" is not a size/);
    assert.equal(badEnv.stderr.trim().split('\n').length, 1, badEnv.stderr);
  });

  test('last used is the last cache hit: build A, build B, rebuild A; a budget that fits one keeps A', async () => {
    const root = path.join(await w.ownedDir('gc-lru-'), 'state');
    const dockerfile = (n: string): string => `FROM ${testEnv().images.busybox}\nRUN echo ran-${n} && head -c 1500000 /dev/urandom > /${n}\n`;
    const a = await w.makeDir({ Dockerfile: dockerfile('a') }, 'gc-lru-a-');
    const b = await w.makeDir({ Dockerfile: dockerfile('b') }, 'gc-lru-b-');
    for (const [dir, word] of [[a, 'ran-a'], [b, 'ran-b']] as const) {
      const r = await w.buildctl(['--root', root, ...buildArgs(dir)]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, ran(word));
    }
    const hit = await w.buildctl(['--root', root, ...buildArgs(a)]);
    assert.equal(hit.code, 0, hit.stderr);
    assert.doesNotMatch(hit.stderr, ran('ran-a'), 'A is cached');
    // A's RUN layer was published before B's, but used after it: B's goes first.
    const p = await w.buildctl(['--root', root, 'prune', '--keep-storage', `${(await diskBytes(root)) - 500_000}B`]);
    assert.equal(p.code, 0, p.stderr);
    assert.equal((p.stdout.toString().match(ROW) ?? []).length, 1, p.stdout.toString());
    const againA = await w.buildctl(['--root', root, ...buildArgs(a)]);
    assert.equal(againA.code, 0, againA.stderr);
    assert.doesNotMatch(againA.stderr, ran('ran-a'), 'A is still cached');
    const againB = await w.buildctl(['--root', root, ...buildArgs(b)]);
    assert.equal(againB.code, 0, againB.stderr);
    assert.match(againB.stderr, ran('ran-b'), 'B was pruned');
  });

  test('prune --all while a build on the same --root runs a RUN: the build succeeds, prune removes only what is not in use', async () => {
    const root = path.join(await w.ownedDir('gc-lease-'), 'state');
    const base = `FROM ${testEnv().images.busybox}\nRUN head -c 1000000 /dev/urandom > /a\n`;
    const first = await w.makeDir({ Dockerfile: `${base}RUN echo ran-b && head -c 1000000 /dev/urandom > /b\n` }, 'gc-lease-1-');
    const second = await w.makeDir({ Dockerfile: `${base}RUN echo started-sleep && sleep 4 && wc -c < /a > /c\n` }, 'gc-lease-2-');
    const b1 = await w.buildctl(['--root', root, ...buildArgs(first)]);
    assert.equal(b1.code, 0, b1.stderr);
    const dest = await w.tempPath('out');
    const b2 = await whileBuilding(w, ['--root', root, ...buildArgs(second, '--output', `type=local,dest=${dest}`)], ran('started-sleep'), async () => {
      const du = await w.buildctl(['--root', root, 'du']);
      const p = await w.buildctl(['--root', root, 'prune', '--all']);
      return { du: du.stdout.toString(), prune: p.stdout.toString(), code: p.code, stderr: p.stderr };
    });
    assert.equal(b2.code, 0, b2.stderr);
    assert.equal(b2.during.code, 0, b2.during.stderr);
    assert.ok((b2.during.du.match(IN_USE_ROW) ?? []).length >= 2, `du shows the running build's layers in use:\n${b2.during.du}`);
    const removed = b2.during.prune.match(ROW) ?? [];
    assert.ok(removed.some((r) => /\t1(\.\d+)?MB/.test(r)), `the /b layer (not in use) was removed:\n${b2.during.prune}`);
    assert.equal((await readFile(path.join(dest, 'c'), 'utf8')).trim(), '1000000', 'the RUN read /a from a layer prune left alone');
    assert.equal((await readFile(path.join(dest, 'a'))).length, 1_000_000);

    // The /a layer outlived the prune: still a hit. The build is over: a prune removes the rest.
    const again = await w.buildctl(['--root', root, ...buildArgs(first)]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, ran('ran-b'), 'the /b RUN was pruned');
    const all = await w.buildctl(['--root', root, 'prune', '--all']);
    assert.equal(all.code, 0, all.stderr);
    const du = (await w.buildctl(['--root', root, 'du'])).stdout.toString();
    assert.equal(du.match(ROW), null, du);
    assert.match(du, /^Total:\t+0B$/m);
  });
});
