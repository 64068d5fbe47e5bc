import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstat, mkdir, readFile, readlink, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { exportLocal } from '../../src/output/local.js';
import { exportTarFile } from '../../src/output/tar.js';
import { makeTree, tempDir, tempLeftovers, treeTar } from './helpers.js';

async function checkTree(dir: string): Promise<void> {
  assert.equal(await readFile(join(dir, 'etc', 'hello.txt'), 'utf8'), 'hello world\n');
  assert.equal(await readlink(join(dir, 'hello-link')), '/etc/hello.txt', 'absolute symlink kept as is');
  assert.ok((await lstat(join(dir, 'hello-link'))).isSymbolicLink());
  const a = await stat(join(dir, 'etc', 'hello.txt'));
  const b = await stat(join(dir, 'etc', 'hello-hard'));
  assert.equal(a.ino, b.ino, 'hardlink kept');
  assert.equal((await stat(join(dir, 'bin', 'tool'))).mode & 0o7777, 0o4755, 'setuid kept');
  const owned = await stat(join(dir, 'owned'));
  assert.deepEqual([owned.uid, owned.gid], [1234, 5678]);
  const xattr = await execa('getfattr', ['--only-values', '-n', 'user.test', join(dir, 'etc', 'hello.txt')]);
  assert.equal(xattr.stdout, 'kept');
}

test('local export copies a tree with symlink, hardlink, setuid, owner and xattr', async () => {
  const root = await tempDir('local');
  await makeTree(join(root, 'src'));
  await execa('setfattr', ['-n', 'user.test', '-v', 'kept', join(root, 'src', 'etc', 'hello.txt')]);
  await exportLocal({ srcDir: join(root, 'src'), dest: join(root, 'a', 'dest') });
  await checkTree(join(root, 'a', 'dest'));
  assert.deepEqual(await tempLeftovers(join(root, 'a')), []);
});

test('local export into an existing directory merges like BuildKit: new files win, others stay', async () => {
  const root = await tempDir('local');
  await makeTree(join(root, 'src'));
  await execa('setfattr', ['-n', 'user.test', '-v', 'kept', join(root, 'src', 'etc', 'hello.txt')]);
  const dest = join(root, 'dest');
  await mkdir(join(dest, 'etc'), { recursive: true });
  await writeFile(join(dest, 'etc', 'hello.txt'), 'old content');
  await writeFile(join(dest, 'etc', 'mine.txt'), 'user file');
  await mkdir(join(dest, 'hello-link')); // a directory where the image has a symlink
  const inode = (await stat(dest)).ino;
  await exportLocal({ srcDir: join(root, 'src'), dest });
  await checkTree(dest);
  assert.equal(await readFile(join(dest, 'etc', 'mine.txt'), 'utf8'), 'user file');
  assert.equal((await stat(dest)).ino, inode, 'dest itself is not replaced');
  assert.deepEqual(await tempLeftovers(root), []);
});

test('local export into a mount point (docker run -v DIR:/out) stays on its filesystem', async () => {
  const root = await tempDir('local');
  await makeTree(join(root, 'src'));
  await execa('setfattr', ['-n', 'user.test', '-v', 'kept', join(root, 'src', 'etc', 'hello.txt')]);
  const dest = join(root, 'mnt');
  await mkdir(dest);
  await execa('mount', ['-t', 'tmpfs', 'tmpfs', dest]);
  try {
    await exportLocal({ srcDir: join(root, 'src'), dest });
    await checkTree(dest);
    assert.deepEqual(await tempLeftovers(dest), []);
  } finally {
    await execa('umount', [dest]);
  }
});

test('local export of a missing source leaves no dest', async () => {
  const root = await tempDir('local');
  await assert.rejects(exportLocal({ srcDir: join(root, 'nope'), dest: join(root, 'dest') }));
  assert.deepEqual(await readdir(root), []);
});

test('tar export writes the producer\'s bytes; a failing producer leaves no file and keeps an old one', async () => {
  const root = await tempDir('tar');
  await makeTree(join(root, 'src'));
  const dest = join(root, 'out.tar');
  await exportTarFile({ produce: treeTar(join(root, 'src')), dest });
  const list = (await execa('tar', ['-tf', dest])).stdout.split('\n');
  assert.ok(list.includes('./etc/hello.txt'));

  const failing = async (out: NodeJS.WritableStream): Promise<void> => {
    out.write(Buffer.alloc(1 << 20));
    throw new Error('producer failed');
  };
  await assert.rejects(exportTarFile({ produce: failing, dest }), /producer failed/);
  assert.ok((await execa('tar', ['-tf', dest])).stdout.includes('./etc/hello.txt'), 'the old file is intact');
  const fresh = join(root, 'fresh.tar');
  await assert.rejects(exportTarFile({ produce: failing, dest: fresh }), /producer failed/);
  await assert.rejects(stat(fresh), { code: 'ENOENT' });
  assert.deepEqual(await tempLeftovers(root), []);
});

test('tar export to stdout respects backpressure (slow reader gets every byte)', async () => {
  const mod = new URL('../../src/output/tar.js', import.meta.url).pathname;
  const script = `
    const { exportTarFile } = await import(${JSON.stringify(mod)});
    let written = 0;
    await exportTarFile({ dest: '-', produce: async (out) => {
      for (let i = 0; i < 256; i++) {
        const chunk = Buffer.alloc(1 << 20, i);
        written += chunk.length;
        if (!out.write(chunk)) await new Promise((r) => out.once('drain', r));
      }
    } });
    process.stderr.write(JSON.stringify({ written, maxRssKiB: process.resourceUsage().maxRSS }));`;
  // The reader starts a second late: without backpressure the child would hold all 256 MiB in memory.
  const r = await execa('sh', ['-c', `node --input-type=module -e "$0" | (sleep 1; wc -c)`, script]);
  assert.equal(r.stdout.trim(), String(256 << 20));
  const { written, maxRssKiB } = JSON.parse(r.stderr) as { written: number; maxRssKiB: number };
  assert.equal(written, 256 << 20);
  assert.ok(maxRssKiB < 160 * 1024, `child peaked at ${maxRssKiB} KiB`);
});
