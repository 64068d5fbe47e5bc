/**
 * Choose the snapshotter once per process (`--oci-worker-snapshotter=auto`): try, on the state dir's filesystem,
 * exactly what a RUN step does with overlayfs: mount a lower with an upperdir (and `userxattr` in a user
 * namespace), remove a lower directory through it (the EIO case of a userns overlay without userxattr), write a
 * file, unmount, and check the upper holds the whiteout and the file. Any failure picks "native", with a
 * one-line reason. Costs a mount and an umount (a few ms).
 */
import { mkdir, mkdtemp, readFile, rm, statfs, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { firstLines } from './proc.js';
import { mountOverlay, unmount } from './overlay.js';
import { isWhiteout } from './overlay-format.js';
import { lstatIfExists } from '../util/fs.js';

export type SnapshotterName = 'overlayfs' | 'native';

export interface ProbeResult {
  name: SnapshotterName;
  /** Why overlayfs was not chosen. */
  reason?: string;
}

/** statfs f_type of overlayfs (OVERLAYFS_SUPER_MAGIC). */
const OVERLAYFS_MAGIC = 0x794c7630;

/**
 * `dir`: where to probe (the state dir's tmp/, so the upperdir is on the filesystem layers live on). The probe
 * works in a fresh subdirectory of it and removes that afterwards.
 */
export async function probeSnapshotter(o: { dir: string; rootless: boolean }): Promise<ProbeResult> {
  await mkdir(o.dir, { recursive: true });
  const tmp = await mkdtemp(path.join(o.dir, 'snapshotter-probe-'));
  const p = (name: string): string => path.join(tmp, name);
  let mounted = false;
  try {
    await mkdir(p('lower/d'), { recursive: true });
    await writeFile(p('lower/d/f'), 'lower\n');
    await Promise.all(['upper', 'work', 'merged'].map((d) => mkdir(p(d))));
    try {
      await mountOverlay({ lowers: [p('lower')], upper: p('upper'), work: p('work'), target: p('merged'), userxattr: o.rootless });
      mounted = true;
    } catch (e) {
      if (await onOverlayfs(o.dir)) return native('the state dir is on overlayfs (an overlay upperdir cannot be)');
      return native(`overlay ${oneLine(e)}`); // "overlay mount failed: mount: ..."
    }
    try {
      await rm(p('merged/d'), { recursive: true });
      await writeFile(p('merged/new'), 'upper\n');
    } catch (e) {
      return native(`writing through overlayfs failed: ${oneLine(e)}`);
    }
    await unmount(p('merged'));
    mounted = false;
    const wh = await lstatIfExists(p('upper/d'));
    if (wh === undefined || !isWhiteout(wh)) return native('overlayfs did not leave a whiteout in the upper dir');
    if ((await readFile(p('upper/new'), 'utf8')) !== 'upper\n') return native('overlayfs did not write the file to the upper dir');
    return { name: 'overlayfs' };
  } finally {
    if (mounted) await unmount(p('merged')).catch(() => undefined);
    // Never delete through a mount that could not be removed (it would reach the lower dir only, but still).
    if (!mounted || !(await isMountPoint(p('merged')))) await rm(tmp, { recursive: true, force: true });
  }
}

function native(reason: string): ProbeResult {
  return { name: 'native', reason };
}

/** The first line of an error, without mount's "dmesg(1) may have more information" tail. */
function oneLine(e: unknown): string {
  return firstLines(e instanceof Error ? e.message : String(e), 1).split('; ')[0]!.replace(/\.$/, '');
}

async function onOverlayfs(dir: string): Promise<boolean> {
  return (await statfs(dir)).type === OVERLAYFS_MAGIC;
}

async function isMountPoint(dir: string): Promise<boolean> {
  const info = await readFile('/proc/self/mountinfo', 'utf8');
  return info.split('\n').some((l) => l.split(' ')[4] === dir);
}
