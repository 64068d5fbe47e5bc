/**
 * overlayfs mounts through util-linux `mount` (Node has no mount(2)).
 *
 * The option string is limited to one page (4096 bytes incl. NUL): with absolute paths about 200 lowers fit.
 * When it is longer we run `mount` with cwd = the common parent directory and relative names, which reaches
 * the kernel's limit of 500 lowers with our short layer dir names.
 */
import path from 'node:path';
import { EnvironmentError } from '../errors.js';
import { ToolFailure, firstLines, run } from './proc.js';

export interface OverlayOptions {
  /** Layer dirs, bottom -> top. */
  lowers: string[];
  /** Writable layer; needs `work` (an empty dir on the same filesystem). */
  upper?: string;
  work?: string;
  target: string;
  /** Rootless (user namespace): overlay keeps its metadata in user.overlay.* xattrs. */
  userxattr?: boolean;
  readonly?: boolean;
}

const PAGE = 4096;
/** overlayfs's compile-time limit on lower layers (OVL_MAX_STACK). */
export const MAX_LOWERS = 500;

export async function mountOverlay(opts: OverlayOptions): Promise<void> {
  const { lowers, upper, work, target } = opts;
  if ((upper === undefined) !== (work === undefined)) throw new Error('mountOverlay: upper and work go together');
  for (const p of [...lowers, upper ?? '', work ?? '']) {
    // ':' separates lowers and ',' options; our state dirs never contain them, so refuse instead of escaping.
    if (/[:,\\"]/.test(p)) throw new Error(`mountOverlay: unsupported character in path ${p}`);
  }
  if (lowers.length > MAX_LOWERS) {
    throw new EnvironmentError(`too many layers to mount (${lowers.length}); overlayfs allows ${MAX_LOWERS}`, {
      hint: 'squash the image or use fewer build steps',
    });
  }
  // A lowers-only overlay is read-only and needs at least two lowers: one lower is just a read-only bind.
  // No lowers at all (FROM scratch): the upper alone, bind-mounted writable.
  if (upper === undefined && lowers.length === 1) return bind({ source: lowers[0]!, target, readonly: true });
  if (upper === undefined && lowers.length === 0) throw new Error('mountOverlay: nothing to mount');
  if (upper !== undefined && lowers.length === 0) return bind({ source: upper, target, readonly: opts.readonly ?? false });

  const build = (rel: (p: string) => string): string => {
    // overlay lists lowerdir top first.
    const o = [`lowerdir=${[...lowers].reverse().map(rel).join(':')}`];
    if (upper !== undefined) o.push(`upperdir=${rel(upper)}`, `workdir=${rel(work!)}`);
    // An upperdir is diffed as a layer, which only works when overlay records changes as plain files:
    // no redirect xattrs for renamed dirs (EXDEV instead, tools copy) and no metadata-only copy-ups.
    // userxattr already implies no redirects and rejects redirect_dir=off ("conflicting options").
    o.push(...(opts.userxattr ? ['userxattr'] : ['redirect_dir=off']), 'metacopy=off');
    if (opts.readonly) o.push('ro');
    return o.join(',');
  };
  const abs = build((p) => path.resolve(p));
  if (abs.length < PAGE) return mountTool(['-t', 'overlay', 'overlay', '-o', abs, path.resolve(target)]);
  const cwd = commonParent([...lowers, ...(upper !== undefined ? [upper, work!] : [])]);
  const short = build((p) => path.relative(cwd, path.resolve(p)) || '.');
  if (short.length >= PAGE) {
    throw new EnvironmentError(`too many layers to mount (${lowers.length}): overlay options exceed one page`, {
      hint: 'squash the image or use fewer build steps',
    });
  }
  return mountTool(['-t', 'overlay', 'overlay', '-o', short, path.resolve(target)], cwd);
}

/** Unmount; a busy mount (a straggling process) is lazily detached instead. Not mounted counts as done. */
export async function unmount(target: string): Promise<void> {
  try {
    await run('umount', [target]);
  } catch (e) {
    if (!(e instanceof ToolFailure)) throw e;
    if (/not mounted/.test(e.stderr)) return;
    if (!/busy/i.test(e.stderr)) throw new EnvironmentError(`cannot unmount ${target}: ${firstLines(e.stderr)}`, { cause: e });
    await run('umount', ['-l', target]);
  }
}

async function bind(o: { source: string; target: string; readonly: boolean }): Promise<void> {
  // util-linux >= 2.27 applies "ro" to a bind mount itself (bind, then remount read-only).
  await mountTool(['--bind', ...(o.readonly ? ['-o', 'ro'] : []), path.resolve(o.source), path.resolve(o.target)]);
}

async function mountTool(args: string[], cwd?: string): Promise<void> {
  try {
    await run('mount', args, cwd === undefined ? {} : { cwd });
  } catch (e) {
    if (!(e instanceof ToolFailure)) throw e;
    throw new EnvironmentError(`mount failed: ${firstLines(e.stderr)}`, {
      hint: 'overlayfs needs root or a user namespace, and an upper dir that is not on overlayfs (--oci-worker-snapshotter=native works without it); run "buildctl doctor"',
      cause: e,
    });
  }
}

/** Deepest directory containing all of `paths` (absolute). */
export function commonParent(paths: string[]): string {
  const split = paths.map((p) => path.resolve(p).split('/'));
  const first = split[0]!;
  let n = first.length;
  for (const s of split) {
    let i = 0;
    while (i < n && i < s.length && s[i] === first[i]) i++;
    n = i;
  }
  return first.slice(0, n).join('/') || '/';
}
