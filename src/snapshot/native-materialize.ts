/**
 * The "native" snapshotter's merge: apply layer dirs, bottom to top, into a fresh directory, so it holds what an
 * overlay mount of those layers would show (or what unpacking their layer tars in order would give).
 *
 * Layers may be in either format (overlay-format.ts), also mixed: whiteouts are `.wh.NAME` marker files or char
 * devices 0:0; opaque dirs hold a `.wh..wh..opq` marker, or (only with `opaqueXattrs`) carry overlay's xattr.
 * Markers apply to the layers below only: a layer's own NAME beside its `.wh.NAME` stays.
 *
 * Per layer: one walk of the layer (lstat only), conflicts resolved in `dest` (a whiteout removes the path, an
 * opaque dir removes the directory below it, a type change removes the old entry, a non-directory is unlinked
 * before it is replaced), then ONE tar pipeline copies the layer's entries minus its markers and whiteouts
 * (copy-entries.ts). Markers, whiteout devices and overlay's xattrs never land in dest.
 *
 * Chroot-style safety: the walk follows the layer's own directory structure and only touches `dest/rel` after
 * lstat proved every parent of it a real directory of dest (or absent, then nothing is touched below it), so no
 * symlink of dest is ever followed and nothing outside dest is written. Layer dirs are ours (the layer store),
 * nothing else changes them or dest meanwhile.
 */
import { lstatSync, mkdirSync, readdirSync, rmSync, type Stats } from 'node:fs';
import path from 'node:path';
import { copyEntries } from './copy-entries.js';
import { OPAQUE_MARKER, isMarkerFile, isOpaqueValue, isWhiteout, markerTarget, opaqueXattr } from './overlay-format.js';
import { byteOrder } from './walk.js';
import { readXattrTree } from './xattrs.js';

export interface MaterializeOptions {
  /** Layer dirs, bottom -> top. */
  layers: readonly string[];
  /** Created if missing; must be empty (or missing). */
  dest: string;
  /** trusted.* xattrs are not copied; with opaqueXattrs, opaque dirs are marked with user.overlay.opaque. */
  rootless: boolean;
  /**
   * Also honour overlay-format opaque xattrs, at one getfattr process per layer. Default false: the native
   * snapshotter's layers are in marker format and never carry them.
   */
  opaqueXattrs?: boolean;
  signal?: AbortSignal;
}

export async function materialize(o: MaterializeOptions): Promise<void> {
  mkdirSync(o.dest, { recursive: true });
  let destEmpty = readdirSync(o.dest).length === 0;
  for (const layer of o.layers) {
    o.signal?.throwIfAborted();
    // Into an empty dest (the bottom layer) whiteouts and opaque flags hide nothing: no xattr read needed.
    const opaque = destEmpty || o.opaqueXattrs !== true ? new Set<string>() : await opaqueDirs(layer, o.rootless, o.signal);
    if (!destEmpty && isOpaqueDir(layer, '', opaque)) opaque.add('.');
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
  const join = (name: string): string => (rel === '' ? name : `${rel}/${name}`);
  const children: { name: string; st: Stats }[] = [];
  // Markers first: they delete what the layers below have, before this layer's own entries are placed.
  for (const name of readdirSync(path.join(p.layer, rel)).sort(byteOrder)) {
    const st = lstatSync(path.join(p.layer, join(name)));
    if (isWhiteout(st)) {
      if (!absent) remove(p.dest, join(name));
    } else if (isMarkerFile(name, st)) {
      const target = markerTarget(name);
      if (!absent && target !== undefined) remove(p.dest, join(target));
    } else {
      children.push({ name, st });
    }
  }
  for (const { name, st } of children) {
    const childRel = join(name);
    p.entries.push(childRel);
    const childAbsent = absent
      || clear({ dest: p.dest, rel: childRel, layerSt: st, opaque: st.isDirectory() && isOpaqueDir(p.layer, childRel, p.opaque) });
    if (st.isDirectory()) planDir(p, childRel, childAbsent);
  }
}

/** The layer's directory rel ("" = root) hides what is below it: opaque xattr (read before) or marker file. */
function isOpaqueDir(layer: string, rel: string, xattrOpaque: ReadonlySet<string>): boolean {
  if (xattrOpaque.has(rel === '' ? '.' : rel)) return true;
  return lstatSync(path.join(layer, rel, OPAQUE_MARKER), { throwIfNoEntry: false })?.isFile() === true;
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
