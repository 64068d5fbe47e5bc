/**
 * --oci-worker-snapshotter=native end to end through the CLI, as root and rootless (the worker matrix): a Dockerfile whose RUN steps add, delete, modify,
 * re-create, link and chown files of the busybox image (and a COPY from a 3-layer stage) gives the same local
 * output as the overlayfs snapshotter. A last RUN reports the filesystem of its own rootfs, which proves which
 * snapshotter ran it (overlay vs the state dir's ext4).
 *
 * One known difference, as in BuildKit: appending to one name of a hardlinked lower file. overlayfs (index=off)
 * copies up that name only, so the other name keeps the old content; a native rootfs is a real filesystem where
 * both names are the one changed file.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { testEnv } from '../helpers/env.js';
import { manifest } from '../snapshot/helpers.js';
import { buildArgs } from './helpers.js';
import { testWorkers } from './workers.js';

for (const w of testWorkers()) describe(w.name, () => {

test('native and overlayfs snapshotters build the same tree', async () => {
  const env = testEnv();
  const ctx = await w.makeDir({
    Dockerfile: `FROM ${env.images.busybox} AS other
RUN echo x > /x
RUN echo y > /y && rm /x && echo x2 > /x

FROM ${env.images.busybox}
RUN mkdir -p /data/sub /data/gone && echo one > /data/a && echo two > /data/sub/b && ln /data/a /data/a-link \\
 && ln -s /data/a /data/sym && chmod 640 /data/a && echo g > /data/gone/f && mkfifo /data/fifo
RUN rm -rf /data/sub /data/gone /bin/ls && echo changed >> /data/a && mkdir /data/sub && echo new > /data/sub/c \\
 && chown -h 12:34 /data/sym && mv /data/fifo /data/fifo2 && rm /etc/passwd && echo root:x:0:0::/root:/bin/sh > /etc/passwd
COPY --from=other /x /y /data/copied/
RUN awk '$2 == "/" { print $3 }' /proc/self/mounts > /fstype
`,
  });
  const trees: Record<string, string[]> = {};
  const fstype: Record<string, string> = {};
  const links: Record<string, string[]> = {};
  for (const snapshotter of ['overlayfs', 'native']) {
    const dest = await w.tempPath(snapshotter);
    const started = Date.now();
    const r = await w.buildctl([`--oci-worker-snapshotter=${snapshotter}`, ...buildArgs(ctx, '--output', `type=local,dest=${dest}`)]);
    assert.equal(r.code, 0, r.stderr);
    console.log(`${snapshotter}: ${Date.now() - started} ms`);
    fstype[snapshotter] = (await readFile(path.join(dest, 'fstype'), 'utf8')).trim();
    trees[snapshotter] = (await manifest(dest, { mtimes: false })).filter((l) => !/^(fstype|data\/a|data\/a-link) /.test(l));
    links[snapshotter] = (await manifest(dest, { mtimes: false })).filter((l) => /^data\/a(-link)? /.test(l)).map((l) => l.split(' ').slice(4).join(' '));
    await rm(path.dirname(dest), { recursive: true, force: true });
  }
  assert.equal(fstype['overlayfs'], 'overlay');
  assert.notEqual(fstype['native'], 'overlay', 'the native build ran its RUN on a plain copy');
  assert.deepEqual(trees['native'], trees['overlayfs']);
  const changed = '12 710605b946281e2b';
  assert.deepEqual(links['overlayfs'], [changed, '4 2c8b08da5ce60398'], 'overlayfs broke the link on copy-up');
  assert.deepEqual(links['native'], [`${changed} link=data/a`, `${changed} link=data/a`], 'native: one file, two names');
  const tree = trees['native']!;
  const line = (p: string): string | undefined => tree.find((l) => l.split(' ')[0] === p);
  assert.equal(line('bin/ls'), undefined);
  assert.equal(line('data/gone'), undefined);
  assert.equal(line('data/sub/b'), undefined);
  assert.match(line('data/sub/c')!, /^data\/sub\/c file /);
  assert.match(line('data/sym')!, w.rootless ? / -> \/data\/a$/ : / 12:34 -> \/data\/a$/);
  assert.match(line('data/fifo2')!, /^data\/fifo2 fifo /);
  assert.match(line('data/copied/x')!, / 3 /, 'x re-created in the other stage: "x2\\n"');
  assert.match(line('etc/passwd')!, / 26 /, 'replaced by a 26-byte file');
});

});
