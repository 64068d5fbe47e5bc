/**
 * du, prune and the end-of-build GC through scripts/buildctl-daemonless.sh, as root and rootless (a rootless
 * state dir holds subuid-owned files, so du/prune run inside rootlesskit too). Budgets are checked with the real
 * `du -sb` of the state dir.
 */
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { testEnv } from '../helpers/env.js';
import { buildArgs, run } from './helpers.js';
import { testWorkers } from './workers.js';

async function diskBytes(dir: string): Promise<number> {
  return Number((await run('du', ['-sb', dir])).split('\t')[0]);
}

const ROW = /^[a-f0-9]{64} *\t+true *\t+[0-9.]+[kMG]?B *\t+.* ago$/gm;

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
});
