/**
 * The final image config of an export: the frontend's config with rootfs.diff_ids from the exported layers
 * and history aligned to them, as BuildKit's exporter normalises it: an empty layer (a step that changed
 * nothing) is not exported and its history entry gets empty_layer: true.
 */
import type { History, ImageConfig } from '../oci/schemas.js';

export function finalizeImageConfig(opts: { config: ImageConfig; layerEmpty: readonly boolean[]; diffIds: readonly string[]; created: string }): ImageConfig {
  const img = structuredClone(opts.config);
  const history: History[] = [...(img.history ?? [])];
  const consuming = history.filter((h) => !h.empty_layer).length;
  // Layers without a history entry (e.g. a base image with incomplete history) get blank entries, in front.
  const missing = opts.layerEmpty.length - consuming;
  for (let i = 0; i < missing; i++) history.unshift({ created: opts.created, created_by: '' });
  let li = 0;
  const normalized = history.map((h) => {
    if (h.empty_layer) return h;
    const empty = opts.layerEmpty[li++];
    return empty ? { ...h, empty_layer: true } : h;
  });
  img.created = opts.created;
  img.rootfs = { type: 'layers', diff_ids: [...opts.diffIds] };
  img.history = normalized;
  return img;
}
