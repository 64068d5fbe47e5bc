/**
 * The two on-disk layer formats and how they map onto each other.
 *
 * OCI layer tar:   a deleted NAME is an empty file `.wh.NAME`; a directory whose lower content is hidden holds
 *                  an empty file `.wh..wh..opq`.
 * Overlay format:  a deleted NAME is a char device 0:0 NAME (overlayfs whiteout); an opaque directory carries the
 *                  xattr `trusted.overlay.opaque=y` (root) or `user.overlay.opaque=y` (user namespace, `userxattr`).
 *
 * Layer dirs of the state dir use one of them (LayerFormat): the overlayfs snapshotter needs the overlay format
 * (they are its lowerdirs); the native snapshotter keeps the OCI format ("marker format"), because a state dir on
 * overlayfs can hold neither whiteout devices (mknod is EPERM there, also for real root) nor overlay xattrs.
 * In a marker-format dir the markers apply to lower layers only, like in a layer tar: a layer may hold both
 * `.wh.NAME` and its own NAME.
 */
import type { Stats } from 'node:fs';
import type { SnapshotterName } from './probe.js';

/** How a layer dir records deletions and opaque dirs (see above). */
export type LayerFormat = 'overlay' | 'oci';

/** The layer format a snapshotter keeps its layer dirs in. */
export function layerFormatOf(snapshotter: SnapshotterName): LayerFormat {
  return snapshotter === 'native' ? 'oci' : 'overlay';
}

export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_MARKER = '.wh..wh..opq';
/** AUFS-internal names (`.wh..wh.plnk`, ...): never real content, dropped on unpack like containerd does. */
export const META_PREFIX = '.wh..wh.';

/** The xattr name that marks an opaque directory in the overlay format. */
export function opaqueXattr(rootless: boolean): string {
  return rootless ? 'user.overlay.opaque' : 'trusted.overlay.opaque';
}

/** overlayfs's own bookkeeping xattrs (origin, impure, opaque, redirect, ...): never copied into a layer tar. */
export function isOverlayXattr(name: string): boolean {
  return name.startsWith('trusted.overlay.') || name.startsWith('user.overlay.');
}

/**
 * An overlayfs whiteout: a char device with rdev 0. Overlay's whiteouts in one upperdir all share ONE inode, so
 * callers test this before any hardlink logic.
 */
export function isWhiteout(st: Stats): boolean {
  return st.isCharacterDevice() && st.rdev === 0;
}

/** True for an opaque-marking xattr value ("y"). */
export function isOpaqueValue(v: Buffer | undefined): boolean {
  return v !== undefined && v.length === 1 && v[0] === 0x79;
}

/**
 * A marker of a marker-format layer dir: a regular file named `.wh.*` (a whiteout `.wh.NAME` or the opaque
 * marker). unpackLayer leaves only empty regular files with such names; anything else named so is not a marker.
 */
export function isMarkerFile(name: string, st: Stats): boolean {
  return st.isFile() && name.startsWith(WHITEOUT_PREFIX);
}

/** The name a whiteout marker `.wh.NAME` deletes, or undefined for the opaque marker and other `.wh..wh.` names. */
export function markerTarget(name: string): string | undefined {
  if (!name.startsWith(WHITEOUT_PREFIX) || name.startsWith(META_PREFIX)) return undefined;
  const target = name.slice(WHITEOUT_PREFIX.length);
  return target === '' || target === '.' || target === '..' ? undefined : target;
}
