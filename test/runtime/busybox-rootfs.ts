/**
 * Test fixture: a busybox rootfs (Debian's busybox-static) as an overlay lower dir, mounted with an upper dir so
 * that what a container writes lands in `upper` as it would for a RUN step. Needs root.
 */
import { mkdtemp, mkdir, copyFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';

export interface OverlayRootfs {
  dir: string;
  lower: string;
  upper: string;
  merged: string;
  bundleDir: string;
  runcRoot: string;
  /** A fresh empty bundle dir for one more run. */
  newBundle(): Promise<string>;
  cleanup(): Promise<void>;
}

const PASSWD = 'root:x:0:0:root:/root:/bin/sh\nalice:x:1000:1000:Alice:/home/alice:/bin/sh\nbob:x:1001:100:Bob:/home/bob:/bin/sh\n';
const GROUP = 'root:x:0:\nusers:x:100:\nalice:x:1000:\nwheel:x:10:alice,bob\naudio:x:29:bob\n';

/**
 * Make lower (busybox + /etc/passwd + /etc/group, nothing else) and mount the overlay. In a user namespace
 * (rootless) overlayfs needs `userxattr`.
 */
export async function makeBusyboxOverlay(opts: { userxattr?: boolean } = {}): Promise<OverlayRootfs> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'runtime-test-'));
  const [lower, upper, work, merged, runcRoot] = ['lower', 'upper', 'work', 'merged', 'runc'].map((n) => path.join(dir, n));
  for (const d of [lower, upper, work, merged, runcRoot, path.join(lower, 'bin'), path.join(lower, 'etc'), path.join(lower, 'tmp')]) {
    await mkdir(d, { recursive: true });
  }
  await copyFile('/bin/busybox', path.join(lower, 'bin/busybox'));
  await execa('chmod', ['0755', path.join(lower, 'bin/busybox')]);
  await execa('chmod', ['1777', path.join(lower, 'tmp')]);
  await execa('chroot', [lower, '/bin/busybox', '--install', '-s']);
  await writeFile(path.join(lower, 'etc/passwd'), PASSWD);
  await writeFile(path.join(lower, 'etc/group'), GROUP);
  await execa('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${lower},upperdir=${upper},workdir=${work}${opts.userxattr ? ',userxattr' : ''}`, merged]);
  let n = 0;
  const newBundle = async () => {
    const b = path.join(dir, `bundle${n++}`);
    await mkdir(b);
    return b;
  };
  const bundleDir = await newBundle();
  return {
    dir, lower, upper, merged, bundleDir, runcRoot, newBundle,
    async cleanup() {
      await execa('umount', [merged], { reject: false });
      await rm(dir, { recursive: true, force: true });
    },
  };
}
