/**
 * The final image config of an export: the frontend's config with rootfs.diff_ids from the exported layers
 * and history aligned to them, as BuildKit's exporter normalises it: an empty layer (a step that changed
 * nothing) is not exported and its history entry gets empty_layer: true.
 *
 * With a source date epoch (SOURCE_DATE_EPOCH) it is patched as BuildKit's patchImageConfig does: every history
 * entry after the base image's own entries that has no time or a later one gets the epoch, and `created` is
 * clamped to it. The base image's history is left as it was.
 */
import type { History, ImageConfig } from '../oci/schemas.js';

export interface FinalizeOptions {
  config: ImageConfig;
  /** Per layer of the result, bottom first: whether it is empty (not exported). */
  layerEmpty: readonly boolean[];
  /** diff_ids of the exported (non-empty) layers. */
  diffIds: readonly string[];
  /** RFC 3339 build time: the config's `created` and the time of history entries added here. */
  created: string;
  /** Seconds since the Unix epoch (SOURCE_DATE_EPOCH). */
  epoch?: number;
  /**
   * How many of the bottom layers are the base image's own (reused as they are). History entries up to the
   * last of these layers' are the base image's and keep their times. Empty entries after it cannot be told
   * apart from the Dockerfile's (ENV right after FROM): they are clamped, which changes nothing for a base
   * image made before the epoch.
   */
  baseLayers?: number;
}

/** Go's time.Time JSON form of a whole-second UTC time: RFC 3339 without fractional seconds. */
export function epochTime(epoch: number): string {
  return new Date(epoch * 1000).toISOString().replace(/\.000Z$/, 'Z');
}

export function finalizeImageConfig(opts: FinalizeOptions): ImageConfig {
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
  img.history = opts.epoch === undefined ? normalized : clampHistory(normalized, opts.epoch, opts.baseLayers ?? 0);
  if (opts.epoch !== undefined && isAfter(img.created, opts.epoch)) img.created = epochTime(opts.epoch);
  return img;
}

function isAfter(time: string | undefined, epoch: number): boolean {
  const t = time === undefined ? Number.NaN : Date.parse(time);
  return Number.isNaN(t) || t > epoch * 1000;
}

/** Entries up to the `baseLayers`-th layer's stay; the later ones are clamped. */
function clampHistory(history: History[], epoch: number, baseLayers: number): History[] {
  let layersSeen = 0;
  return history.map((h) => {
    if (!h.empty_layer) layersSeen++;
    const base = h.empty_layer ? layersSeen < baseLayers : layersSeen <= baseLayers;
    if (base || !isAfter(h.created, epoch)) return h;
    return { ...h, created: epochTime(epoch) };
  });
}
