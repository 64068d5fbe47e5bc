/**
 * The "native" snapshotter's merge: apply overlay-format layer dirs, bottom to top, into a fresh directory, so it
 * holds what an overlay mount of those layers would show.
 *
 * Per layer: one walk of the layer (lstat only), conflicts resolved in `dest` (a whiteout removes the path, an
 * opaque dir removes the directory below it, a type change removes the old entry, a non-directory is unlinked
 * before it is replaced), then ONE tar pipeline copies the layer's entries minus its whiteouts (copy-entries.ts).
 * overlay's xattrs and whiteout devices never land in dest.
 *
 * Chroot-style safety: the walk follows the layer's own directory structure and only touches `dest/rel` after
 * lstat proved every parent of it a real directory of dest (or absent, then nothing is touched below it), so no
 * symlink of dest is ever followed and nothing outside dest is written. Layer dirs are ours (the layer store),
 * nothing else changes them or dest meanwhile.
 */
import { lstatSync, mkdirSync, readdirSync, rmSync, type Stats } from 'node:fs';
import path from 'node:path';
import { copyEntries } from './copy-entries.js';
import { isOpaqueValue, isWhiteout, opaqueXattr } from './overlay-format.js';
import { byteOrder } from './walk.js';
import { readXattrTree } from './xattrs.js';

export interface MaterializeOptions {
  /** Overlay-format layer dirs, bottom -> top. */
  layers: readonly string[];
  /** Created if missing; must be empty (or missing). */
  dest: string;
  /** Opaque dirs are marked with user.overlay.opaque; trusted.* xattrs are not copied. */
  rootless: boolean;
  signal?: AbortSignal;
}

export async function materialize(o: MaterializeOptions): Promise<void> {
  mkdirSync(o.dest, { recursive: true });
  let destEmpty = readdirSync(o.dest).length === 0;
  for (const layer of o.layers) {
    o.signal?.throwIfAborted();
    // Into an empty dest (the bottom layer) whiteouts and opaque flags hide nothing: no xattr read needed.
    const opaque = destEmpty ? new Set<string>() : await opaqueDirs(layer, o.rootless, o.signal);
    const entries: string[] = ['.'];
    if (opaque.has('.')) for (const name of readdirSync(o.dest)) rmSync(path.join(o.dest, name), { recursive: true, force: true });
    planDir({ layer, dest: o.dest, opaque, entries }, '', destEmpty || opaque.has('.'));
    await copyEntries({ from: layer, to: o.dest, entries, rootless: o.rootless, ...(o.signal ? { signal: o.signal } : {}) });
    destEmpty = false;
  }
}

/** Relative paths ("." for the root) of the layer's directories marked opaque. */
async function opaqueDirs(layer: string, rootless: boolean, signal?: AbortSignal): Promise<Set<string>> {
  const name = opaqueXattr(rootless);
  const result = new Set<string>();
  for (const [rel, set] of await readXattrTree(layer, signal)) if (isOpaqueValue(set.get(name))) result.add(rel);
  return result;
}

interface Plan {
  layer: string;
  dest: string;
  opaque: ReadonlySet<string>;
  /** Out: what tar copies, in pre-order. */
  entries: string[];
}

/**
 * Walk one directory of the layer. `absent`: dest has nothing at this path (so nothing below it either) and no
 * lstat of dest is needed; otherwise dest/rel is a real directory (checked by the caller).
 */
function planDir(p: Plan, rel: string, absent: boolean): void {
  for (const name of readdirSync(path.join(p.layer, rel)).sort(byteOrder)) {
    const childRel = rel === '' ? name : `${rel}/${name}`;
    const st = lstatSync(path.join(p.layer, childRel));
    if (isWhiteout(st)) {
      if (!absent) remove(p.dest, childRel);
      continue;
    }
    p.entries.push(childRel);
    const childAbsent = absent || clear({ dest: p.dest, rel: childRel, layerSt: st, opaque: p.opaque.has(childRel) });
    if (st.isDirectory()) planDir(p, childRel, childAbsent);
  }
}

/**
 * Make dest/rel ready for the layer's entry: returns true when it is absent afterwards. A directory stays (tar
 * updates its metadata) unless the layer's one is opaque or the layer has a non-directory there.
 */
function clear(o: { dest: string; rel: string; layerSt: Stats; opaque: boolean }): boolean {
  const below = lstatSync(path.join(o.dest, o.rel), { throwIfNoEntry: false });
  if (below === undefined) return true;
  if (below.isDirectory() && o.layerSt.isDirectory() && !o.opaque) return false;
  remove(o.dest, o.rel);
  return true;
}

/** Remove dest/rel whatever it is; its parents are real directories of dest. rm never follows symlinks. */
function remove(dest: string, rel: string): void {
  rmSync(path.join(dest, rel), { recursive: true, force: true });
}
