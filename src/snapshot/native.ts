/**
 * The "native" snapshotter (containerd's name): where overlayfs cannot be mounted (an upperdir on overlayfs inside
 * `docker run`, no overlay in a user namespace), snapshots are full copies. Its layer dirs are in marker format
 * (OCI `.wh.` files, overlay-format.ts): a state dir on overlayfs can hold no whiteout device and no overlay xattr.
 * - materialize: layer dirs (bottom -> top, either format) -> a plain dir showing what the overlay mount would
 * - recordTree + diffToUpper: that dir after a process changed it -> a marker-format layer dir with the changes
 *   overlayfs would have left in its upperdir (whiteouts, opaque dirs, parents); writeLayerTar turns either
 *   format into the same layer tar.
 */
export { materialize, type MaterializeOptions } from './native-materialize.js';
export { recordTree, type TreeState, type EntryState } from './tree-state.js';
export { diffToUpper, type NativeDiffOptions, type NativeDiffStats } from './native-diff.js';
