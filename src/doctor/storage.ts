/**
 * Where snapshots live and whether overlayfs works there. The state dir is --root, else the ephemeral location
 * ($XDG_RUNTIME_DIR, else the temp dir); a --root that does not exist yet is probed in its nearest existing
 * parent, where it will be created. The overlay probe is a real mount (with `userxattr` in a user namespace
 * for rootless, the plain one as root) in a private mount namespace, then a removal of a lower dir (the
 * operation that fails with EIO without userxattr) and a write. Overlay failing is not fatal: the native
 * (copying) snapshotter is used, unless --oci-worker-snapshotter=overlayfs asks for overlay.
 */
import { existsSync, statfsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { lastLine, probe } from './exec.js';
import { usernsFailureFix } from './userns-sysctl.js';
import { fail, pass, type CheckResult, type DoctorContext } from './types.js';

/** statfs f_type magic numbers of the filesystems a state dir is likely to be on. */
const FS_TYPES: ReadonlyMap<number, string> = new Map([
  [0xef53, 'ext4'], [0x58465342, 'xfs'], [0x9123683e, 'btrfs'], [0x01021994, 'tmpfs'], [0x794c7630, 'overlay'],
  [0x2fc12fc1, 'zfs'], [0x6969, 'nfs'], [0x65735546, 'fuse'], [0xf2f52010, 'f2fs'], [0x858458f6, 'ramfs'],
]);

export function fsTypeOf(dir: string): string {
  const type = statfsSync(dir).type;
  return FS_TYPES.get(type) ?? `fs 0x${type.toString(16)}`;
}

/** The nearest existing directory at or above DIR. */
export function nearestExisting(dir: string): string {
  let d = path.resolve(dir);
  while (!existsSync(d) && path.dirname(d) !== d) d = path.dirname(d);
  return d;
}

export interface StateLocation {
  /** The state dir as the build will use it. */
  readonly dir: string;
  /** Where probes run: dir, or its nearest existing parent. */
  readonly probeIn: string;
  readonly persistent: boolean;
}

export function stateLocation(root: string | undefined, ephemeralBase: string): StateLocation {
  const dir = root ?? ephemeralBase;
  return { dir, probeIn: nearestExisting(dir), persistent: root !== undefined };
}

/** `state-dir`: the location exists (or can be made) and is writable; reports its filesystem. */
export async function checkStateDir(ctx: DoctorContext, loc: StateLocation): Promise<CheckResult> {
  const where = loc.persistent ? `--root ${loc.dir}` : `ephemeral location ${loc.dir}`;
  let tmp: string | undefined;
  try {
    tmp = await mkdtemp(path.join(loc.probeIn, '.buildctl-doctor-'));
  } catch (e) {
    const fix = loc.persistent
      ? `${ctx.sudo}mkdir -p ${loc.dir} && ${ctx.sudo}chown ${ctx.user.uid}:${ctx.user.gid} ${loc.dir}`
      : 'mkdir -p "$HOME/.cache/buildctl-run" && export XDG_RUNTIME_DIR="$HOME/.cache/buildctl-run"';
    return fail('state-dir', `${where}: cannot create files in ${loc.probeIn}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { fix });
  } finally {
    if (tmp !== undefined) await rm(tmp, { recursive: true, force: true });
  }
  const made = loc.probeIn === loc.dir ? '' : ` (created on first build, in ${loc.probeIn})`;
  return pass('state-dir', `${where}${made}, on ${fsTypeOf(loc.probeIn)}, writable`);
}

/** The mount command line of the probe: in a new mount namespace (and user namespace when rootless). */
function overlayProbeArgs(rootless: boolean): string[] {
  // The work dir overlay leaves (work/work, mode 000) is removed in here, where we are its owner with all caps.
  const script = 'mount -t overlay overlay -o "$1" m && rmdir m/sub && echo x > m/new && cat m/file >/dev/null; s=$?; umount m 2>/dev/null; rm -rf w; exit $s';
  const userns = rootless ? ['--user', '--map-root-user'] : [];
  return [...userns, '--mount', 'sh', '-c', script, 'probe'];
}

export async function checkOverlay(ctx: DoctorContext, loc: StateLocation): Promise<CheckResult> {
  const name = 'overlayfs';
  const snap = ctx.opts.snapshotter ?? 'auto';
  if (snap === 'native') return pass(name, 'not used (--oci-worker-snapshotter=native)');
  const explicit = snap === 'overlayfs';
  const note = explicit ? ' (fatal: --oci-worker-snapshotter=overlayfs asks for it)' : ' (not fatal: the native snapshotter is used, which copies and is slower)';
  const fsType = existsSync(loc.probeIn) ? fsTypeOf(loc.probeIn) : 'unknown';
  const options = ctx.rootless ? 'lowerdir=l,upperdir=u,workdir=w,userxattr' : 'lowerdir=l,upperdir=u,workdir=w';
  const how = ctx.rootless ? 'overlayfs with userxattr in a user namespace' : 'overlayfs';
  let tmp: string;
  try {
    tmp = await mkdtemp(path.join(loc.probeIn, '.buildctl-doctor-'));
  } catch (e) {
    return fail(name, `cannot test in ${loc.probeIn}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}${note}`, { fatal: explicit });
  }
  try {
    await Promise.all(['l/sub', 'u', 'w', 'm'].map((d) => mkdir(path.join(tmp, d), { recursive: true })));
    await writeFile(path.join(tmp, 'l/file'), 'lower\n');
    // ctx.privilege.mode 'userns' (already inside rootlesskit): no new user namespace, but still userxattr.
    const args = overlayProbeArgs(ctx.rootless && ctx.privilege.mode !== 'userns');
    const r = await probe('unshare', [...args, options], { env: ctx.env, cwd: tmp });
    if (r.code === 0) return pass(name, `${how} works in ${loc.probeIn} (${fsType})`);
    const err = lastLine(r.stderr).replace(/^mount: [^:]*: /, 'mount: ');
    if (/unshare failed/.test(err)) {
      return fail(name, `cannot create a user namespace to test overlayfs: ${err}${note}`, { fix: usernsFailureFix(ctx), fatal: explicit });
    }
    const why = fsType === 'overlay' ? `${loc.probeIn} is on overlayfs, which cannot hold an upper dir: ` : '';
    const fix = fsType === 'overlay' || !loc.persistent
      ? 'give the state dir a volume or tmpfs that is not overlayfs: --root DIR (docker run -v DIR ...; BUILDKITD_FLAGS="--root DIR")'
      : `use --root on ext4, xfs, btrfs or tmpfs (${loc.probeIn} is ${fsType})`;
    return fail(name, `${how} fails in ${loc.probeIn} (${fsType}): ${why}${err}${note}`, { fix, fatal: explicit });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
