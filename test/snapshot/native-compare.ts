/**
 * The native snapshotter against the real thing: three hand-made layers (whiteouts, opaque dirs, type changes,
 * hardlinks, symlinks pointing out of the tree), made twice: in overlay format (whiteout devices, opaque xattrs)
 * and in marker format (`.wh.` files, as the native snapshotter keeps them). The overlay mount of the first is
 * the reference for materialize() of both; then one script of changes runs on an overlay mount with an upperdir
 * and on a native copy, and both uppers are compared (the native one's markers read as whiteouts and opaque
 * flags). Used as root by native.test.ts and inside a user namespace by native-child.ts.
 */
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { mountOverlay, unmount } from '../../src/snapshot/overlay.js';
import { diffToUpper, materialize, recordTree } from '../../src/snapshot/native.js';
import { opaqueXattr } from '../../src/snapshot/overlay-format.js';
import { byteOrder } from '../../src/snapshot/walk.js';
import { manifest, sh } from './helpers.js';

const OLD = 1_600_000_000;

/**
 * Shell to build the layers; `wh P` deletes P from the layers below, `opq D` makes D opaque (FORMAT_FUNCS), $OUTSIDE
 * is a dir outside every tree, $ID an owner id.
 */
const LAYERS = [
  `mkdir -p d/sub o t2 dd/inner keep deep/a/b dirx
   echo a1 > a; echo b > b; echo hl > hl1; ln hl1 hl2; echo xf > xf
   echo x > d/x; echo y > d/y; echo z > d/sub/z; echo 1 > o/old1; echo 2 > o/old2
   echo t1 > t1; echo in > t2/in; echo f > dd/inner/f; echo k > keep/f; chmod 0640 keep/f; chown $ID:$ID keep/f
   echo c > deep/a/b/c; echo dx > dirx/f; mkfifo fifo
   ln -s "$OUTSIDE" evil; ln -s ../../.. rel; ln -s a s
   setfattr -n user.k -v v1 b; setfattr -n user.k -v v1 xf; chmod 0700 dd/inner`,
  `wh a; mkdir d o t1 evil; wh d/x; echo new > d/new; opq o; echo fresh > o/fresh
   echo c > t1/c; echo t2file > t2; echo x > evil/x; echo hl-mod > hl1; echo n > n1; ln n1 n2`,
  `wh o; echo a3 > a; mkdir -p d/sub; opq d/sub; echo z3 > d/sub/z3`,
];

export type Format = 'overlay' | 'oci';

/** `wh` and `opq` for each layer format; $OPQ is the opaque xattr name. */
const FORMAT_FUNCS: Record<Format, string> = {
  overlay: 'wh() { mknod "$1" c 0 0; }; opq() { setfattr -n "$OPQ" -v y "$1"; }',
  oci: 'wh() { : > "$(dirname "$1")/.wh.$(basename "$1")"; }; opq() { : > "$1/.wh..wh..opq"; }',
};

/** The changes a "RUN" makes, as a script run in the merged root. */
export const CHANGES = `set -e
  echo new > added; ln added added-link; mkdir -p newdir/sub; echo x > newdir/sub/f; mkfifo newfifo
  echo edit >> d/new; rm d/y; rm -r d/sub; echo edit >> deep/a/b/c
  mv b b2; mv dd dd2; chmod 600 keep/f; chown $ID:$ID a; ln hl2 hl3
  rm -r t1; mkdir t1; echo z > t1/new; rm t2; mkdir t2; rm -r dirx; echo > dirx
  ln -s /etc/passwd newlink; rm s; ln -s b2 s; setfattr -n user.k -v v2 xf`;

export interface Setup {
  /** Overlay format. */
  layers: string[];
  /** The same layers in marker format. */
  markerLayers: string[];
  outside: string;
}

/** Make the three layers under dir in both formats (each entry's times set to OLD + 100 * layer index). */
export function makeLayers(dir: string, o: { rootless: boolean; id: number }): Setup {
  const outside = path.join(dir, 'outside');
  sh(`mkdir -p '${outside}'`);
  const make = (format: Format): string[] => LAYERS.map((script, i) => {
    const l = path.join(dir, `${format}-l${i}`);
    sh(`mkdir '${l}' && cd '${l}' && OPQ=${opaqueXattr(o.rootless)} OUTSIDE='${outside}' ID=${o.id} sh -ec '${FORMAT_FUNCS[format]}
${script}'`);
    sh(`cd '${l}' && find . -exec touch -h -d @${OLD + 100 * i} {} +`);
    return l;
  });
  return { layers: make('overlay'), markerLayers: make('oci'), outside };
}

/**
 * Merged views: an overlay mount's manifest and materialize()'s of the marker-format layers (`native`) and of the
 * overlay-format ones (`nativeOverlay`, with opaqueXattrs), plus what landed in `outside`.
 */
export async function compareMerged(dir: string, s: Setup, rootless: boolean): Promise<{ overlay: string[]; native: string[]; nativeOverlay: string[]; outside: string[] }> {
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
  await materialize({ layers: s.markerLayers, dest, rootless });
  const destOverlay = path.join(dir, 'materialized-overlay');
  await materialize({ layers: s.layers, dest: destOverlay, rootless, opaqueXattrs: true });
  // overlayXattrs: true, so any overlay xattr that leaked into dest shows up as a difference.
  return {
    overlay,
    native: dropLoneLinks(await manifest(dest, { overlayXattrs: true })),
    nativeOverlay: dropLoneLinks(await manifest(destOverlay, { overlayXattrs: true })),
    outside: await readdir(s.outside),
  };
}

/** Drop `link=X` marks that no other entry shares (an inode whose other names are not in this tree). */
function dropLoneLinks(lines: string[]): string[] {
  const count = new Map<string, number>();
  for (const l of lines) { const m = / link=(\S+)/.exec(l); if (m) count.set(m[1]!, (count.get(m[1]!) ?? 0) + 1); }
  return lines.map((l) => l.replace(/ link=(\S+)/, (all, x: string) => ((count.get(x) ?? 0) > 1 ? all : '')));
}

/**
 * Run CHANGES through overlayfs (overlay-format lowers) and through a native copy (marker-format lowers); the two
 * uppers normalized for comparison, and the native one as it is (`nativeRaw`).
 */
export async function compareUppers(dir: string, s: Setup, o: { rootless: boolean; id: number }): Promise<{ overlay: string[]; native: string[]; nativeRaw: string[] }> {
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
  await materialize({ layers: s.markerLayers, dest: rootfs, rootless: o.rootless });
  const before = recordTree(rootfs);
  sh(`${env} sh -c '${CHANGES}'`, rootfs);
  await diffToUpper({ root: rootfs, before, upper: nativeUpper, rootless: o.rootless });
  const raw = await manifest(nativeUpper, { overlayXattrs: true });
  return { overlay: normalize(await manifest(upper, { overlayXattrs: true })), native: normalize(markersAsOverlay(raw)), nativeRaw: raw };
}

/**
 * A marker-format manifest read the overlay way: `P/.wh.NAME ...` -> `P/NAME whiteout`, a dir holding
 * `.wh..wh..opq` gets ` opaque` at the end; lines sorted as a walk would list them.
 */
export function markersAsOverlay(lines: readonly string[]): string[] {
  const opaque = new Set<string>();
  const out: string[] = [];
  for (const l of lines) {
    const p = l.split(' ')[0]!;
    const dir = path.posix.dirname(p);
    const base = path.posix.basename(p);
    if (base === '.wh..wh..opq') opaque.add(dir);
    else if (base.startsWith('.wh.')) out.push(`${dir === '.' ? '' : `${dir}/`}${base.slice(4)} whiteout`);
    else out.push(l);
  }
  return out.map((l) => (opaque.has(l.split(' ')[0]!) ? `${l} opaque` : l)).sort(byWalkOrder);
}

/** Pre-order with byte-ordered names, as walkTree lists a tree. */
function byWalkOrder(a: string, b: string): number {
  const pa = a.split(' ')[0]!.split('/');
  const pb = b.split(' ')[0]!.split('/');
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const c = byteOrder(pa[i]!, pb[i]!);
    if (c !== 0) return c;
  }
  return pa.length - pb.length;
}

/**
 * Times become "old+N" (kept from layer N) or "now" (set by the script); of overlay's xattrs only the opaque
 * marker counts (origin, impure, ... are overlay's bookkeeping).
 */
function normalize(lines: string[]): string[] {
  return lines.map((l) => {
    let opaque = false;
    const parts = l.split(' ').flatMap((p) => {
      const t = /^t=(\d+)$/.exec(p);
      if (t) { const d = Number(t[1]) - OLD; return [d >= 0 && d <= 200 ? `t=old+${d}` : 't=now']; }
      if (/^(trusted|user)\.overlay\./.test(p)) { opaque ||= /\.overlay\.opaque=eQ==$/.test(p); return []; }
      return p === 'opaque' ? (opaque = true, []) : [p];
    });
    return [...parts, ...(opaque ? ['opaque'] : [])].join(' ');
  });
}
