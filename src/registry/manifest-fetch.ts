/**
 * Decoding one manifest response: verify its bytes against the digest we asked for (or the registry's
 * Docker-Content-Digest), then classify it as an index or an image manifest (docker or OCI) and validate it.
 */
import { RegistryError } from '../errors.js';
import { sha256Digest } from '../oci/digest.js';
import { MediaType, isIndexMediaType, isManifestMediaType } from '../oci/media-types.js';
import { IndexCheck, ManifestCheck, type Index, type Manifest } from '../oci/schemas.js';
import { verifyBytes } from './verified-file.js';

/** Every manifest type we can use, for the Accept header (docker and OCI, single and multi-platform). */
export const MANIFEST_ACCEPT = [
  MediaType.ociIndex, MediaType.dockerManifestList, MediaType.ociManifest, MediaType.dockerManifest,
].join(', ');

/** Manifests and configs larger than this are refused before parsing (Docker Hub caps manifests at 4 MiB too). */
export const JSON_LIMIT = 4 << 20;

export type FetchedManifest =
  | { kind: 'index'; digest: string; mediaType: string; bytes: Buffer; index: Index }
  | { kind: 'manifest'; digest: string; mediaType: string; bytes: Buffer; manifest: Manifest };

export interface DecodeManifestOptions {
  bytes: Buffer;
  /** The digest we asked for (by-digest fetch); the bytes must hash to it. */
  expectedDigest?: string | undefined;
  /** The Docker-Content-Digest header, checked when no digest was asked for. */
  headerDigest?: string | undefined;
  contentType?: string | undefined;
  /** Names the manifest in errors. */
  what: string;
}

export function decodeManifest(opts: DecodeManifestOptions): FetchedManifest {
  const { bytes, what } = opts;
  let digest: string;
  if (opts.expectedDigest !== undefined) {
    verifyBytes(bytes, opts.expectedDigest, what);
    digest = opts.expectedDigest;
  } else {
    digest = sha256Digest(bytes);
    if (opts.headerDigest !== undefined && opts.headerDigest !== '') verifyBytes(bytes, opts.headerDigest, what);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new RegistryError(`${what} is not valid JSON`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new RegistryError(`${what} is not a JSON object`);
  const declared = (doc as { mediaType?: unknown }).mediaType;
  const header = opts.contentType?.split(';')[0]?.trim();
  // The body's mediaType is covered by the digest; the header is not, so the body wins.
  let mediaType = typeof declared === 'string' && declared !== '' ? declared : header;
  if (!isIndexMediaType(mediaType) && !isManifestMediaType(mediaType)) {
    if (mediaType !== undefined && mediaType.startsWith('application/vnd.docker.distribution.manifest.v1')) {
      throw new RegistryError(`${what}: unsupported manifest media type ${mediaType} (Docker schema 1)`);
    }
    // OCI manifests may omit mediaType and be served as application/json: go by shape.
    if ('manifests' in doc) mediaType = MediaType.ociIndex;
    else if ('config' in doc && 'layers' in doc) mediaType = MediaType.ociManifest;
    else throw new RegistryError(`${what}: unsupported manifest media type ${mediaType ?? '(none)'}`);
  }
  const mt = mediaType as string;
  if (isIndexMediaType(mt)) {
    if (!IndexCheck.Check(doc)) throw new RegistryError(`${what}: invalid image index: ${firstError(IndexCheck.Errors(doc).First())}`);
    return { kind: 'index', digest, mediaType: mt, bytes, index: doc };
  }
  if (!ManifestCheck.Check(doc)) throw new RegistryError(`${what}: invalid image manifest: ${firstError(ManifestCheck.Errors(doc).First())}`);
  return { kind: 'manifest', digest, mediaType: mt, bytes, manifest: doc };
}

export function firstError(e: { path: string; message: string } | undefined): string {
  return e === undefined ? 'unexpected shape' : `${e.path || '/'}: ${e.message}`;
}
