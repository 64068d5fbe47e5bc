/**
 * The "native" snapshotter (containerd's name): where overlayfs cannot be mounted (an upperdir on overlayfs inside
 * `docker run`, no overlay in a user namespace), snapshots are full copies.
 * - materialize: overlay-format layer dirs (bottom -> top) -> a plain dir showing what the overlay mount would
 * - recordTree + diffToUpper: that dir after a process changed it -> the overlay-format upper overlayfs would
 *   have left for the same changes (whiteouts, opaque dirs, parents), so layers stay interchangeable between
 *   the two snapshotters.
 */
export { materialize, type MaterializeOptions } from './native-materialize.js';
export { recordTree, type TreeState, type EntryState } from './tree-state.js';
export { diffToUpper, type NativeDiffOptions, type NativeDiffStats } from './native-diff.js';
