/**
 * Annotation keys of the image, oci and docker outputs, in BuildKit's grammar (exporter/containerimage/exptypes):
 *   annotation.KEY=V                       the image manifest (same as annotation-manifest.KEY)
 *   annotation-manifest[PLATFORM].KEY=V    the manifest, only for that platform when [PLATFORM] is given
 *   annotation-manifest-descriptor[PLATFORM].KEY=V   the manifest's descriptor (index.json, --metadata-file)
 *   annotation-index.KEY=V, annotation-index-descriptor.KEY=V   an image index and its descriptor
 * A build here makes one linux/amd64 image (no index), so the platform-qualified forms apply when they name
 * that platform, and the index forms are refused as BuildKit refuses them for a single-platform export.
 */
import { FlagError } from '../errors.js';
import { normalizePlatform, type PlatformSpec } from '../registry/platform.js';

/** Attribute key prefixes that carry annotations (for checkAttrs). */
export const ANNOTATION_PREFIXES = ['annotation.', 'annotation-manifest.', 'annotation-manifest[', 'annotation-manifest-descriptor.',
  'annotation-manifest-descriptor[', 'annotation-index.', 'annotation-index[', 'annotation-index-descriptor.', 'annotation-index-descriptor['] as const;

export interface OutputAnnotations {
  /** On the image manifest. */
  manifest: Record<string, string>;
  /** On the manifest's descriptor. */
  manifestDescriptor: Record<string, string>;
}

const KEY_RE = /^annotation(?:-(manifest|manifest-descriptor|index|index-descriptor))?(?:\[([^\]]*)\])?\.(.+)$/s;
const BUILD_PLATFORM: PlatformSpec = { os: 'linux', architecture: 'amd64' };

/** The annotations in `attrs` that apply to this build's image; `what` names the flag in errors. */
export function parseAnnotationAttrs(attrs: ReadonlyMap<string, string>, what: string): OutputAnnotations {
  const out: OutputAnnotations = { manifest: {}, manifestDescriptor: {} };
  // Platform-specific values win over plain ones, whatever their order on the command line.
  const specific: Array<[keyof OutputAnnotations, string, string]> = [];
  for (const [attr, value] of attrs) {
    if (!attr.startsWith('annotation')) continue;
    const m = KEY_RE.exec(attr);
    if (m === null) throw new FlagError(`invalid annotation key "${attr}" in ${what}`, { hint: 'annotation[-manifest|-manifest-descriptor|-index|-index-descriptor][[PLATFORM]].KEY=VALUE' });
    const [, kind = 'manifest', platform, key] = m as unknown as [string, string | undefined, string | undefined, string];
    if (kind === 'index' || kind === 'index-descriptor') {
      throw new FlagError(`${attr} in ${what}: index annotations not supported for single platform export`);
    }
    const target: keyof OutputAnnotations = kind === 'manifest' ? 'manifest' : 'manifestDescriptor';
    if (platform === undefined) {
      out[target][key] = value;
      continue;
    }
    if (appliesToBuild(parsePlatform(platform, attr, what))) specific.push([target, key, value]);
  }
  for (const [target, key, value] of specific) out[target][key] = value;
  return out;
}

function parsePlatform(s: string, attr: string, what: string): PlatformSpec {
  const parts = s.split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => !/^[A-Za-z0-9_.-]+$/.test(p))) {
    throw new FlagError(`invalid platform "${s}" in ${attr} in ${what}: expected OS/ARCH[/VARIANT], e.g. linux/amd64`);
  }
  return { os: parts[0]!, architecture: parts[1]!, variant: parts[2] };
}

function appliesToBuild(p: PlatformSpec): boolean {
  const a = normalizePlatform(p);
  const b = normalizePlatform(BUILD_PLATFORM);
  return a.os === b.os && a.architecture === b.architecture && a.variant === b.variant;
}
