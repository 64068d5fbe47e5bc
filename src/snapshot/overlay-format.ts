/**
 * The two on-disk layer formats and how they map onto each other.
 *
 * OCI layer tar:   a deleted NAME is an empty file `.wh.NAME`; a directory whose lower content is hidden holds
 *                  an empty file `.wh..wh..opq`.
 * Overlay format:  a deleted NAME is a char device 0:0 NAME (overlayfs whiteout); an opaque directory carries the
 *                  xattr `trusted.overlay.opaque=y` (root) or `user.overlay.opaque=y` (user namespace, `userxattr`).
 */
import type { Stats } from 'node:fs';

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
