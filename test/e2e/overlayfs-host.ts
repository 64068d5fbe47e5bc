/**
 * Helpers for e2e tests of a state dir that lives on overlayfs, like the root of a `docker run` container: an
 * overlay mount made by the test (root), state dirs inside it owned by the worker's user, OCI archives unpacked
 * with umoci (not our code) plus the `.wh.` entries of each of their layers, and what a native state dir must
 * never hold (whiteout devices, overlay xattrs).
 */
import { chown, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { run } from './helpers.js';

export interface OverlayHost {
  /** A fresh dir on the overlay mount, owned by uid:gid. */
  stateDir(name: string, owner: { uid: number; gid: number }): Promise<string>;
  /** Unmount and remove everything. */
  cleanup(): Promise<void>;
}

export async function overlayHost(): Promise<OverlayHost> {
  const base = await mkdtemp(path.join(os.tmpdir(), 'overlay-host-'));
  const [l, u, w, m] = ['l', 'u', 'w', 'm'].map((n) => path.join(base, n)) as [string, string, string, string];
  for (const d of [l, u, w, m]) await mkdir(d);
  await run('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${l},upperdir=${u},workdir=${w}`, m]);
  let mounted = true;
  return {
    async stateDir(name, owner) {
      const dir = path.join(m, name);
      await mkdir(dir);
      await chown(dir, owner.uid, owner.gid);
      // The user's way in: the mount's parents are root's 0700 temp dirs.
      await run('chmod', ['755', base, m]);
      return dir;
    },
    async cleanup() {
      if (mounted) await run('umount', [m]).catch(() => run('umount', ['-l', m]));
      mounted = false;
      await rm(base, { recursive: true, force: true });
    },
  };
}

export async function fsType(dir: string): Promise<string> {
  return (await run('stat', ['-f', '-c', '%T', dir])).trim();
}

export interface UnpackedImage {
  rootfs: string;
  /** Per layer, bottom to top: the `.wh.` entry names in archive order. */
  whiteouts: string[][];
}

/** Extract an OCI archive with one image and unpack it with umoci. */
export async function umociUnpack(archive: string): Promise<UnpackedImage> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'umoci-'));
  await run('tar', ['-xf', archive, '-C', work]);
  const index = JSON.parse(await readFile(path.join(work, 'index.json'), 'utf8')) as { manifests: { digest: string; annotations?: Record<string, string> }[] };
  const desc = index.manifests[0]!;
  const tag = desc.annotations?.['org.opencontainers.image.ref.name'];
  if (tag === undefined) throw new Error(`${archive}: index.json names no image`);
  await run('umoci', ['unpack', '--image', `${work}:${tag}`, path.join(work, 'bundle')]);
  const blob = (d: string): string => path.join(work, 'blobs', d.replace(':', '/'));
  const manifest = JSON.parse(await readFile(blob(desc.digest), 'utf8')) as { layers: { digest: string }[] };
  const whiteouts: string[][] = [];
  for (const l of manifest.layers) {
    const names = (await run('tar', ['-tzf', blob(l.digest)])).split('\n');
    whiteouts.push(names.filter((n) => path.posix.basename(n).startsWith('.wh.')));
  }
  return { rootfs: path.join(work, 'bundle/rootfs'), whiteouts };
}

/**
 * What a native state dir must not hold: whiteout devices (char 0:0) and overlay xattrs. Returns offending
 * paths; also how many `.wh.` markers it holds.
 */
export async function nativeStateProblems(stateDir: string): Promise<{ problems: string[]; markers: number }> {
  const devs = (await run('find', [stateDir, '-type', 'c', '-printf', '%p\\n'])).split('\n').filter((p) => p !== '');
  const problems: string[] = [];
  for (const d of devs) if ((await run('stat', ['-c', '%t:%T', d])).trim() === '0:0') problems.push(`whiteout device ${d}`);
  const xattrs = await run('getfattr', ['-R', '-h', '-P', '-m', 'overlay', '--absolute-names', stateDir]);
  problems.push(...xattrs.split('\n').filter((l) => l.startsWith('# file:')));
  const markers = (await run('find', [stateDir, '-name', '.wh.*'])).split('\n').filter((p) => p !== '').length;
  return { problems, markers };
}

export async function rmAll(...paths: string[]): Promise<void> {
  for (const p of paths) await rm(p, { recursive: true, force: true });
}
