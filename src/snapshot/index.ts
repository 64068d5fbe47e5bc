/**
 * Snapshots: layer directories in overlay format, stacked with overlayfs, or in marker format (OCI `.wh.` files)
 * for the native snapshotter (overlay-format.ts).
 * - unpackLayer: compressed OCI/Docker layer blob -> new layer dir in either format (+ its diffId)
 * - mountOverlay / unmount: stack layer dirs (bottom -> top) with an optional writable upper
 * - writeLayerTar: layer dir of either format (e.g. a RUN's upperdir) -> OCI layer tar
 * - writeTreeTar: plain tree (e.g. the merged rootfs) -> tar
 * - materialize / recordTree / diffToUpper: the "native" snapshotter (full copies) where overlayfs cannot be used
 * - lookupInLayers: what a stack of layer dirs shows at one path, without merging
 * - probeSnapshotter: which of the two works on this state dir
 * Both tar writers write the whole archive (incl. end-of-archive blocks) to `out` and do not end it.
 */
export { unpackLayer, type UnpackOptions } from './unpack.js';
export { mountOverlay, unmount, MAX_LOWERS, type OverlayOptions } from './overlay.js';
export { writeLayerTar, type LayerTarOptions } from './diff.js';
export { writeTreeTar, type TreeTarOptions } from './tree-tar.js';
export { isWhiteout, isOverlayXattr, opaqueXattr, layerFormatOf, type LayerFormat } from './overlay-format.js';
export { hasMarkers } from './oci-markers.js';
export { lookupInLayers } from './layer-lookup.js';
export { resolveInRoot, type RootedPath } from './chroot-path.js';
export { materialize, recordTree, diffToUpper, type MaterializeOptions, type TreeState, type NativeDiffOptions, type NativeDiffStats } from './native.js';
export { probeSnapshotter, type SnapshotterName, type ProbeResult } from './probe.js';
