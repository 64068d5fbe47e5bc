/**
 * The two small reads a registry cache import needs that RegistryClient.resolve does not do: a manifest or
 * index as it is (a cache's index has no platforms to pick from), and a JSON blob (cache config, image config)
 * into memory. Both are size-capped before parsing and digest-checked.
 */
import { DigestMismatchError } from '../../errors.js';
import type { Descriptor } from '../../oci/schemas.js';
import type { ImageReference, RegistryClient } from '../../registry/index.js';
import { JSON_LIMIT, MANIFEST_ACCEPT, decodeManifest, type FetchedManifest } from '../../registry/manifest-fetch.js';
import { expectOk } from '../../registry/response-checks.js';
import { readCapped } from '../../registry/transport.js';
import { verifyBytes } from '../../registry/verified-file.js';

/** Cache configs of big mode=max builds outgrow the 4 MiB manifest cap. */
export const CACHE_CONFIG_LIMIT = 64 << 20;

/** The manifest or index `reference` (a tag or a digest) of `ref`'s repository. */
export async function fetchManifestDoc(client: RegistryClient, ref: ImageReference, reference: string): Promise<FetchedManifest> {
  const what = `manifest ${reference} of ${ref.name}`;
  const res = await client.send(ref, { path: `manifests/${reference}`, actions: ['pull'], headers: { accept: MANIFEST_ACCEPT } });
  await expectOk(res);
  const bytes = await readCapped(res, JSON_LIMIT, what);
  const header = res.headers['docker-content-digest'];
  const contentType = res.headers['content-type'];
  return decodeManifest({
    bytes, what, expectedDigest: reference.startsWith('sha256:') ? reference : undefined,
    headerDigest: typeof header === 'string' ? header : undefined,
    contentType: typeof contentType === 'string' ? contentType : undefined,
  });
}

/** A blob read into memory: at most `limit` bytes, the descriptor's size and digest. */
export async function fetchJsonBlob(client: RegistryClient, ref: ImageReference, desc: Descriptor, limit: number): Promise<Buffer> {
  const what = `blob ${desc.digest} of ${ref.name}`;
  if (desc.size > limit) throw new DigestMismatchError(`${what} is too large: ${desc.size} bytes (limit ${limit})`);
  const res = await client.send(ref, { path: `blobs/${desc.digest}`, actions: ['pull'], followRedirects: true });
  await expectOk(res);
  const bytes = await readCapped(res, limit, what);
  if (bytes.length !== desc.size) throw new DigestMismatchError(`size mismatch for ${what}: expected ${desc.size} bytes, got ${bytes.length}`);
  verifyBytes(bytes, desc.digest, what);
  return bytes;
}
