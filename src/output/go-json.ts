/**
 * JSON bytes as Go's encoding/json writes the OCI/Docker types BuildKit marshals, so identical inputs give
 * identical digests (and match BuildKit's where the inputs match):
 * - struct fields in the Go types' declaration order (the key lists below; opencontainers/image-spec v1.1
 *   specs-go and BuildKit's dockerspec), unknown keys after them in sorted order;
 * - maps (annotations, Labels, ExposedPorts, Volumes, and the image config's top level, which BuildKit's
 *   patchImageConfig re-marshals as map[string]json.RawMessage) with keys sorted bytewise;
 * - no whitespace; strings escaped HTML-safe like Go (<, >, & as \u003c..., U+2028/2029 escaped,
 *   lone surrogates as U+FFFD).
 * `undefined` members are omitted (Go's omitempty); `null` is written as null.
 */
type Json = null | boolean | number | string | Json[] | { [k: string]: Json | undefined };

/** How to order one object's keys and what each member is. */
interface Shape { keys?: readonly string[]; members?: Record<string, Shape>; items?: Shape }

const PLATFORM: Shape = { keys: ['architecture', 'os', 'os.version', 'os.features', 'variant', 'features'] };
const DESCRIPTOR: Shape = {
  keys: ['mediaType', 'digest', 'size', 'urls', 'annotations', 'data', 'platform', 'artifactType'],
  members: { platform: PLATFORM },
};
export const MANIFEST_SHAPE: Shape = {
  keys: ['schemaVersion', 'mediaType', 'artifactType', 'config', 'layers', 'subject', 'annotations'],
  members: { config: DESCRIPTOR, layers: { items: DESCRIPTOR }, subject: DESCRIPTOR },
};
export const INDEX_SHAPE: Shape = {
  keys: ['schemaVersion', 'mediaType', 'artifactType', 'manifests', 'subject', 'annotations'],
  members: { manifests: { items: DESCRIPTOR }, subject: DESCRIPTOR },
};
const HEALTHCHECK: Shape = { keys: ['Test', 'Interval', 'Timeout', 'StartPeriod', 'StartInterval', 'Retries'] };
/** ocispec.ImageConfig followed by BuildKit's DockerOCIImageConfigExt (Healthcheck, OnBuild, Shell). */
const CONTAINER_CONFIG: Shape = {
  keys: ['User', 'ExposedPorts', 'Env', 'Entrypoint', 'Cmd', 'Volumes', 'WorkingDir', 'Labels', 'StopSignal',
    'ArgsEscaped', 'Healthcheck', 'OnBuild', 'Shell'],
  members: { Healthcheck: HEALTHCHECK },
};
/** Top level sorted (no `keys`): BuildKit re-marshals the config as a Go map after patching rootfs/history. */
export const IMAGE_CONFIG_SHAPE: Shape = {
  members: {
    config: CONTAINER_CONFIG,
    rootfs: { keys: ['type', 'diff_ids'] },
    history: { items: { keys: ['created', 'created_by', 'author', 'comment', 'empty_layer'] } },
  },
};
/** docker-archive manifest.json: []struct{Config, RepoTags, Layers}. */
export const DOCKER_MANIFEST_JSON_SHAPE: Shape = { items: { keys: ['Config', 'RepoTags', 'Layers'] } };

function byteCompare(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

const ESCAPES: Record<string, string> = {
  '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t',
  '<': '\\u003c', '>': '\\u003e', '&': '\\u0026', '\u2028': '\\u2028', '\u2029': '\\u2029',
};
// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE = /["\\\u0000-\u001f<>&\u2028\u2029]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function goString(s: string): string {
  return '"' + s.replace(NEEDS_ESCAPE, (c) => {
    const e = ESCAPES[c];
    if (e !== undefined) return e;
    if (c.length === 1 && c.charCodeAt(0) >= 0xd800) return '\ufffd';
    return '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0');
  }) + '"';
}

function encode(v: Json | undefined, shape: Shape | undefined): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return goString(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`cannot encode ${v} as JSON`);
    return JSON.stringify(v);
  }
  if (Array.isArray(v)) return '[' + v.map((x) => encode(x, shape?.items)).join(',') + ']';
  const present = Object.keys(v).filter((k) => v[k] !== undefined);
  const known = shape?.keys ?? [];
  const ordered = [
    ...known.filter((k) => present.includes(k)),
    ...present.filter((k) => !known.includes(k)).sort(byteCompare),
  ];
  return '{' + ordered.map((k) => goString(k) + ':' + encode(v[k], shape?.members?.[k])).join(',') + '}';
}

/** Serialise `value` as Go would marshal the type described by `shape`. */
export function goJson(value: unknown, shape?: Shape): Buffer {
  return Buffer.from(encode(value as Json, shape), 'utf8');
}
