/**
 * The native snapshotter against the real thing: three hand-made overlay-format layers (whiteouts, opaque dirs,
 * type changes, hardlinks, symlinks pointing out of the tree), merged by an overlay mount and by materialize();
 * then one script of changes run on an overlay mount with an upperdir and on a native copy, and both uppers
 * compared. Used as root by native.test.ts and inside a user namespace by native-child.ts.
 */
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { mountOverlay, unmount } from '../../src/snapshot/overlay.js';
import { diffToUpper, materialize, recordTree } from '../../src/snapshot/native.js';
import { opaqueXattr } from '../../src/snapshot/overlay-format.js';
import { manifest, sh } from './helpers.js';

const OLD = 1_600_000_000;

/** Shell to build the layers; $OPQ is the opaque xattr name, $OUTSIDE a dir outside every tree, $ID an owner id. */
const LAYERS = [
  `mkdir -p d/sub o t2 dd/inner keep deep/a/b dirx
   echo a1 > a; echo b > b; echo hl > hl1; ln hl1 hl2; echo xf > xf
   echo x > d/x; echo y > d/y; echo z > d/sub/z; echo 1 > o/old1; echo 2 > o/old2
   echo t1 > t1; echo in > t2/in; echo f > dd/inner/f; echo k > keep/f; chmod 0640 keep/f; chown $ID:$ID keep/f
   echo c > deep/a/b/c; echo dx > dirx/f; mkfifo fifo
   ln -s "$OUTSIDE" evil; ln -s ../../.. rel; ln -s a s
   setfattr -n user.k -v v1 b; setfattr -n user.k -v v1 xf; chmod 0700 dd/inner`,
  `mknod a c 0 0; mkdir d o t1 evil; mknod d/x c 0 0; echo new > d/new; setfattr -n "$OPQ" -v y o; echo fresh > o/fresh
   echo c > t1/c; echo t2file > t2; echo x > evil/x; echo hl-mod > hl1; echo n > n1; ln n1 n2`,
  `mknod o c 0 0; echo a3 > a; mkdir -p d/sub; setfattr -n "$OPQ" -v y d/sub; echo z3 > d/sub/z3`,
];

/** The changes a "RUN" makes, as a script run in the merged root. */
export const CHANGES = `set -e
  echo new > added; ln added added-link; mkdir -p newdir/sub; echo x > newdir/sub/f; mkfifo newfifo
  echo edit >> d/new; rm d/y; rm -r d/sub; echo edit >> deep/a/b/c
  mv b b2; mv dd dd2; chmod 600 keep/f; chown $ID:$ID a; ln hl2 hl3
  rm -r t1; mkdir t1; echo z > t1/new; rm t2; mkdir t2; rm -r dirx; echo > dirx
  ln -s /etc/passwd newlink; rm s; ln -s b2 s; setfattr -n user.k -v v2 xf`;

export interface Setup {
  layers: string[];
  outside: string;
}

/** Make the three layers under dir (each entry's times set to OLD + 100 * layer index). */
export function makeLayers(dir: string, o: { rootless: boolean; id: number }): Setup {
  const outside = path.join(dir, 'outside');
  sh(`mkdir -p '${outside}'`);
  const layers = LAYERS.map((script, i) => {
    const l = path.join(dir, `l${i}`);
    sh(`mkdir '${l}' && cd '${l}' && OPQ=${opaqueXattr(o.rootless)} OUTSIDE='${outside}' ID=${o.id} sh -ec '${script}'`);
    sh(`cd '${l}' && find . -exec touch -h -d @${OLD + 100 * i} {} +`);
    return l;
  });
  return { layers, outside };
}

/** Merged views: an overlay mount's manifest and materialize()'s, plus what landed in `outside`. */
export async function compareMerged(dir: string, s: Setup, rootless: boolean): Promise<{ overlay: string[]; native: string[]; outside: string[] }> {
  const merged = path.join(dir, 'merged');
  await mkdir(merged);
  await mountOverlay({ lowers: s.layers, target: merged, userxattr: rootless, readonly: true });
  let overlay: string[];
  try {
    // overlay reports a lower file's nlink as it is in its layer: hl2 "has 2 links" although hl1 above is
    // another file now. A link to itself alone is no hardlink; materialize() shows the true count (1).
    overlay = dropLoneLinks(await manifest(merged));
  } finally {
    await unmount(merged);
  }
  const dest = path.join(dir, 'materialized');
  await materialize({ layers: s.layers, dest, rootless });
  // overlayXattrs: true, so any overlay xattr that leaked into dest shows up as a difference.
  return { overlay, native: dropLoneLinks(await manifest(dest, { overlayXattrs: true })), outside: await readdir(s.outside) };
}

/** Drop `link=X` marks that no other entry shares (an inode whose other names are not in this tree). */
function dropLoneLinks(lines: string[]): string[] {
  const count = new Map<string, number>();
  for (const l of lines) { const m = / link=(\S+)/.exec(l); if (m) count.set(m[1]!, (count.get(m[1]!) ?? 0) + 1); }
  return lines.map((l) => l.replace(/ link=(\S+)/, (all, x: string) => ((count.get(x) ?? 0) > 1 ? all : '')));
}

/** Run CHANGES through overlayfs and through a native copy; the two uppers, normalized for comparison. */
export async function compareUppers(dir: string, s: Setup, o: { rootless: boolean; id: number }): Promise<{ overlay: string[]; native: string[] }> {
  const env = `ID=${o.id}`;
  const upper = path.join(dir, 'ov-upper');
  const work = path.join(dir, 'ov-work');
  const merged = path.join(dir, 'ov-merged');
  await Promise.all([upper, work, merged].map((d) => mkdir(d)));
  await mountOverlay({ lowers: s.layers, upper, work, target: merged, userxattr: o.rootless });
  try {
    sh(`${env} sh -c '${CHANGES}'`, merged);
  } finally {
    await unmount(merged);
  }

  const rootfs = path.join(dir, 'native-rootfs');
  const nativeUpper = path.join(dir, 'native-upper');
  await mkdir(nativeUpper);
  await materialize({ layers: s.layers, dest: rootfs, rootless: o.rootless });
  const before = recordTree(rootfs);
  sh(`${env} sh -c '${CHANGES}'`, rootfs);
  await diffToUpper({ root: rootfs, before, upper: nativeUpper, rootless: o.rootless });
  return { overlay: normalize(await manifest(upper, { overlayXattrs: true })), native: normalize(await manifest(nativeUpper, { overlayXattrs: true })) };
}

/**
 * Times become "old+N" (kept from layer N) or "now" (set by the script); of overlay's xattrs only the opaque
 * marker counts (origin, impure, ... are overlay's bookkeeping).
 */
function normalize(lines: string[]): string[] {
  return lines.map((l) => l.split(' ').flatMap((p) => {
    const t = /^t=(\d+)$/.exec(p);
    if (t) { const d = Number(t[1]) - OLD; return [d >= 0 && d <= 200 ? `t=old+${d}` : 't=now']; }
    if (/^(trusted|user)\.overlay\./.test(p)) return /\.overlay\.opaque=eQ==$/.test(p) ? ['opaque'] : [];
    return [p];
  }).join(' '));
}
