import { after } from 'node:test';
import { mkdtemp, mkdir, writeFile, readdir, rm, symlink, link, chmod, chown } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { execa } from 'execa';

const made: string[] = [];
after(async () => {
  if (process.env.KEEP_TEST_DIRS === undefined) await Promise.all(made.map((d) => rm(d, { recursive: true, force: true })));
});

/** A fresh directory, removed after the file's tests (set KEEP_TEST_DIRS=1 to keep it). */
export async function tempDir(prefix: string): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), `out-${prefix}-`));
  made.push(d);
  return d;
}

/** A small tree exercising the metadata an export must keep. */
export async function makeTree(dir: string): Promise<void> {
  await mkdir(join(dir, 'etc'), { recursive: true });
  await mkdir(join(dir, 'bin'), { recursive: true });
  await writeFile(join(dir, 'etc', 'hello.txt'), 'hello world\n');
  await writeFile(join(dir, 'bin', 'tool'), '#!/bin/sh\necho tool\n');
  await chmod(join(dir, 'bin', 'tool'), 0o4755);
  await symlink('/etc/hello.txt', join(dir, 'hello-link'));
  await link(join(dir, 'etc', 'hello.txt'), join(dir, 'etc', 'hello-hard'));
  await writeFile(join(dir, 'owned'), 'owned by 1234:5678\n');
  await chown(join(dir, 'owned'), 1234, 5678);
  await writeFile(join(dir, 'big.bin'), Buffer.alloc(3 << 20, 'abcdefgh'));
}

/** A LayerSource.diffTar over a directory, using GNU tar (deterministic: sorted, mtime 0, numeric owners). */
export function treeTar(dir: string): (out: NodeJS.WritableStream) => Promise<void> {
  return async (out) => {
    const sub = execa('tar', ['-C', dir, '--sort=name', '--mtime=@0', '--numeric-owner', '-cf', '-', '.'], {
      stdout: 'pipe', buffer: false,
    });
    await Promise.all([pipeline(sub.stdout, out), sub]);
  };
}

/** Names of entries in a directory that look like our temp files. */
export async function tempLeftovers(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((n) => n.includes('.tmp-'));
}
