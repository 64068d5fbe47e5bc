/**
 * What an OCI image layout holding one manifest contains, as BuildKit's oci/docker exporters write it
 * (containerd images/archive exporter): `oci-layout`, `index.json` with the manifest descriptor once per
 * name (annotated `io.containerd.image.name` + `org.opencontainers.image.ref.name`, plus
 * `org.opencontainers.image.created` = now or the build epoch), the blobs, and for type=docker a
 * `manifest.json` for `docker load`.
 */
import { DigestMismatchError, OutputError } from '../errors.js';
import { sha256Digest } from '../oci/digest.js';
import { isManifestMediaType, MediaType } from '../oci/media-types.js';
import { ManifestCheck, type Descriptor, type Index, type Manifest } from '../oci/schemas.js';
import type { ContentStore } from './content-store.js';
import { DOCKER_MANIFEST_JSON_SHAPE, goJson, INDEX_SHAPE } from './go-json.js';
import { familiarImageName, nameAnnotations, normalizeImageName } from './image-names.js';

export const OCI_LAYOUT_JSON = goJson({ imageLayoutVersion: '1.0.0' });
export const ANNOTATION_CREATED = 'org.opencontainers.image.created';

export interface LayoutOptions {
  manifest: Descriptor;
  /** Image names as the user gave them; normalised here ("foo" -> "docker.io/library/foo:latest"). */
  names?: string[];
  /** Value of org.opencontainers.image.created; BuildKit uses the build's epoch if set, else now. */
  created?: Date;
}

export interface LayoutPlan {
  /** Every blob the layout holds (manifest, config, layers), each once. */
  blobs: Descriptor[];
  /** The manifest descriptors for index.json. */
  indexManifests: Descriptor[];
  manifest: Manifest;
  normalizedNames: string[];
}

/** RFC 3339 in UTC with seconds, as Go's time.RFC3339 formats a UTC time. */
export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export async function planLayout(store: ContentStore, opts: LayoutOptions): Promise<LayoutPlan> {
  const desc = opts.manifest;
  if (!isManifestMediaType(desc.mediaType)) throw new Error(`not an image manifest: ${desc.mediaType}`);
  const bytes = await store.readBytes(desc.digest);
  if (bytes.length !== desc.size || sha256Digest(bytes) !== desc.digest) {
    throw new DigestMismatchError(`manifest ${desc.digest} in the content store does not match its descriptor`);
  }
  const manifest: unknown = JSON.parse(bytes.toString('utf8'));
  if (!ManifestCheck.Check(manifest)) throw new Error(`manifest ${desc.digest} is not a valid image manifest`);
  const blobs = new Map<string, Descriptor>();
  for (const d of [desc, manifest.config, ...manifest.layers]) blobs.set(d.digest, d);
  for (const d of blobs.values()) {
    const size = await store.size(d.digest);
    if (size === undefined) throw new OutputError(`blob ${d.digest} (${d.mediaType}) is missing from the content store`);
    if (size !== d.size) throw new DigestMismatchError(`blob ${d.digest}: size ${size}, descriptor says ${d.size}`);
  }
  const normalizedNames = (opts.names ?? []).filter((n) => n.trim() !== '').map(normalizeImageName);
  const base: Descriptor = {
    mediaType: desc.mediaType,
    digest: desc.digest,
    size: desc.size,
    annotations: { ...desc.annotations, [ANNOTATION_CREATED]: rfc3339(opts.created ?? new Date()) },
  };
  const indexManifests = normalizedNames.length === 0
    ? [base]
    : normalizedNames.map((n) => ({ ...base, annotations: { ...base.annotations, ...nameAnnotations(n) } }));
  return { blobs: [...blobs.values()], indexManifests, manifest, normalizedNames };
}

export function indexJson(manifests: Descriptor[]): Buffer {
  const index: Index = { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests };
  return goJson(index, INDEX_SHAPE);
}

/** docker load's manifest.json: one image, its config and layers as paths into blobs/. */
export function dockerManifestJson(plan: LayoutPlan): Buffer {
  const blobPath = (d: string): string => `blobs/sha256/${d.slice('sha256:'.length)}`;
  return goJson([{
    Config: blobPath(plan.manifest.config.digest),
    RepoTags: plan.normalizedNames.length === 0 ? null : plan.normalizedNames.map(familiarImageName),
    Layers: plan.manifest.layers.map((l) => blobPath(l.digest)),
  }], DOCKER_MANIFEST_JSON_SHAPE);
}
