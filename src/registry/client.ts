/**
 * RegistryClient: the pull side of the OCI distribution API (resolve a reference to a manifest + config, fetch
 * blobs to verified files). `send` is the seam the push side will use: it authenticates any request for a
 * repository with the actions it needs (`pull`, or `pull`+`push`).
 */
import { DigestMismatchError, RegistryError } from '../errors.js';
import { isManifestMediaType } from '../oci/media-types.js';
import { DescriptorCheck, type Descriptor, type ImageConfig, type Manifest } from '../oci/schemas.js';
import { Authenticator, repositoryScope, type Action } from './auth.js';
import { loadDockerConfig, type DockerConfig } from './docker-config.js';
import { DispatcherPool, defaultHostConfig, registryEndpoints, sendWithFallback, type HostConfigResolver, type RegistryEndpoint, type RegistryHostConfig } from './host-config.js';
import { JSON_LIMIT, MANIFEST_ACCEPT, decodeManifest, firstError, type FetchedManifest } from './manifest-fetch.js';
import { DEFAULT_PLATFORM, formatPlatform, selectManifest, type PlatformSpec } from './platform.js';
import type { ImageReference } from './reference.js';
import { NoMatchingPlatformError, UnauthorizedError, isRetryableNetworkError, userError } from './registry-errors.js';
import { expectOk, parseConfig } from './response-checks.js';
import { DEFAULT_RETRY, withRetry, type RetryPolicy } from './retry.js';
import { Transport, discard, readCapped, type Method, type Response } from './transport.js';
import { verifyBytes, writeVerifiedFile } from './verified-file.js';

export interface ResolvedImage {
  /** The reference pinned to the digest its tag pointed to (the index digest for a multi-platform image). */
  ref: ImageReference;
  manifestDigest: string;
  manifest: Manifest;
  manifestMediaType: string;
  config: ImageConfig;
  configDigest: string;
  configBytes: Buffer;
  /** Set when the reference named an index / manifest list and we picked a platform out of it. */
  indexDigest?: string;
}

export interface FetchBlobOptions {
  /** Called as bytes arrive with the total received so far (restarts from 0 if the download is retried). */
  onProgress?(bytes: number): void;
  signal?: AbortSignal;
}

export interface RegistryClientOptions {
  /** Credentials source (or one being loaded); default: loadDockerConfig() on first use. */
  dockerConfig?: DockerConfig | Promise<DockerConfig>;
  /** Per-host http/TLS settings; default: plain HTTP for loopback hosts, HTTPS otherwise. */
  hostConfig?: HostConfigResolver;
  retry?: RetryPolicy;
  userAgent?: string;
}

/** One request to a repository's API, relative to `/v2/<path>/`. */
export interface RepositoryRequest {
  method?: Method;
  /** e.g. `manifests/latest`, `blobs/sha256:...`, `blobs/uploads/`; required unless `url` is set. */
  path?: string;
  /**
   * An address the registry handed out (an upload session's `Location`): absolute, or relative to the
   * registry's origin. Used instead of `path` when set.
   */
  url?: string;
  actions: readonly Action[];
  /** More token scopes for the same request, e.g. `repository:SOURCE:pull` for a cross-repository mount. */
  extraScopes?: readonly string[];
  headers?: Record<string, string>;
  body?: string | Buffer;
  followRedirects?: boolean;
  signal?: AbortSignal | undefined;
}

export class RegistryClient {
  private readonly hostConfig: HostConfigResolver;
  private readonly pool = new DispatcherPool();
  private readonly transport: Transport;
  private readonly auth: Authenticator;
  private readonly retry: RetryPolicy;
  private dockerConfig: Promise<DockerConfig>;

  private readonly opts: RegistryClientOptions;

  constructor(opts: RegistryClientOptions = {}) {
    this.opts = opts;
    this.hostConfig = opts.hostConfig ?? defaultHostConfig;
    this.retry = opts.retry ?? DEFAULT_RETRY;
    this.dockerConfig = opts.dockerConfig !== undefined ? Promise.resolve(opts.dockerConfig) : loadDockerConfig();
    this.dockerConfig.catch(() => undefined); // surfaced on first use, not as an unhandled rejection
    this.transport = new Transport({
      dispatcherFor: (url) => this.pool.forHost(url.host, url.protocol === 'http:' ? { http: true } : this.hostConfig(url.host)),
      retry: this.retry,
      userAgent: opts.userAgent ?? 'buildkit-ts',
    });
    this.auth = new Authenticator({
      transport: this.transport,
      credentials: async (host) => (await this.dockerConfig).credentialsFor(host),
    });
  }

  /** Resolve a reference to one image manifest and its config (picking `platform`, default linux/amd64, out of an index). */
  async resolve(ref: ImageReference, platform: PlatformSpec = DEFAULT_PLATFORM): Promise<ResolvedImage> {
    try {
      const top = await this.fetchManifest(ref, ref.digest);
      let image = top;
      if (top.kind === 'index') {
        const desc = selectManifest(top.index.manifests, platform);
        if (desc === undefined) {
          const available = top.index.manifests.flatMap((d) => (d.platform ? [formatPlatform(d.platform)] : [])).join(', ');
          throw new NoMatchingPlatformError(`no match for platform ${formatPlatform(platform)} in manifest list ${ref.withDigest(top.digest)} (available: ${available || 'none'})`);
        }
        if (!isManifestMediaType(desc.mediaType)) throw new RegistryError(`unsupported media type ${desc.mediaType} for platform ${formatPlatform(platform)} in ${ref}`);
        image = await this.fetchManifest(ref, desc.digest);
      }
      if (image.kind !== 'manifest') throw new RegistryError(`${ref}: nested image index is not supported`);
      const configDesc = image.manifest.config;
      const configBytes = await this.fetchSmallBlob(ref, configDesc, `config ${configDesc.digest} of ${ref}`);
      const config = parseConfig(configBytes, `config ${configDesc.digest} of ${ref}`);
      const resolved: ResolvedImage = {
        ref: ref.withDigest(top.digest),
        manifestDigest: image.digest,
        manifest: image.manifest,
        manifestMediaType: image.mediaType,
        config,
        configDigest: configDesc.digest,
        configBytes,
      };
      if (top.kind === 'index') resolved.indexDigest = top.digest;
      return resolved;
    } catch (e) {
      throw await this.wrap(`failed to resolve ${ref}`, ref, e);
    }
  }

  /**
   * Download a blob to `destFile` (its directory must exist), verified against `desc` (size and digest) before it
   * appears there. Retried from the start on connection resets and 5xx.
   */
  async fetchBlob(ref: ImageReference, desc: Descriptor, destFile: string, opts: FetchBlobOptions = {}): Promise<void> {
    try {
      if (!DescriptorCheck.Check(desc)) throw new RegistryError(`invalid descriptor: ${firstError(DescriptorCheck.Errors(desc).First())}`);
      await withRetry(async () => {
        const res = await this.send(ref, { path: `blobs/${desc.digest}`, actions: ['pull'], followRedirects: true, signal: opts.signal });
        await expectOk(res);
        await writeVerifiedFile({
          source: res.body, digest: desc.digest, size: desc.size, destFile, what: `blob ${desc.digest} of ${ref}`, onProgress: opts.onProgress,
        });
      }, { policy: this.retry, isRetryable: isRetryableNetworkError, signal: opts.signal });
    } catch (e) {
      throw await this.wrap(`failed to fetch blob ${desc.digest} of ${ref}`, ref, e);
    }
  }

  /**
   * Send an authenticated request to `ref`'s repository: anonymous first, and after a 401 once more with
   * credentials for the host's challenge. Returns the response whatever its status, except a second 401.
   * Goes to the host's endpoints in order (host-config.ts: mirrors for reads, insecure HTTPS before HTTP).
   */
  async send(ref: ImageReference, req: RepositoryRequest): Promise<Response> {
    const endpoints = registryEndpoints(ref.domain, this.hostConfig, { actions: req.actions, method: req.method ?? 'GET', absoluteUrl: req.url !== undefined });
    return sendWithFallback(endpoints, (ep) => this.sendTo(ep, ref, req));
  }

  private async sendTo(ep: RegistryEndpoint, ref: ImageReference, req: RepositoryRequest): Promise<Response> {
    const url = req.url !== undefined ? new URL(req.url, ep.origin).toString() : `${ep.origin}${ep.prefix}${ref.path}/${req.path ?? ''}`;
    const scopes = [repositoryScope(ref.path, req.actions), ...(req.extraScopes ?? [])];
    const attempt = async (): Promise<Response> => {
      const authorization = await this.auth.authorization(ep.authHost, scopes, req.signal);
      const headers = { ...req.headers, ...(authorization !== undefined ? { authorization } : {}) };
      const sendOpts = { method: req.method ?? 'GET', headers, signal: req.signal, followRedirects: req.followRedirects ?? false };
      return this.transport.send(url, req.body !== undefined ? { ...sendOpts, body: req.body } : sendOpts);
    };
    let res = await attempt();
    if (res.status !== 401) return res;
    await discard(res);
    this.auth.challenged(ep.authHost, res.headers['www-authenticate'], scopes);
    res = await attempt();
    if (res.status !== 401) return res;
    await discard(res);
    throw new UnauthorizedError('unauthorized: authentication required');
  }

  /**
   * A client with the same credentials and settings except for hosts that `override` changes (e.g. a push
   * with registry.insecure=true). It has its own connections: close it too.
   */
  derive(override: (host: string, base: RegistryHostConfig) => RegistryHostConfig): RegistryClient {
    const base = this.hostConfig;
    return new RegistryClient({ ...this.opts, dockerConfig: this.dockerConfig, hostConfig: (host) => override(host, base(host)) });
  }

  /** The one-line, credential-free error a user sees for a failed operation on `ref`: `PREFIX: what went wrong`. */
  async userError(prefix: string, ref: ImageReference, e: unknown): Promise<unknown> {
    return this.wrap(prefix, ref, e);
  }

  /** Release pooled connections. */
  async close(): Promise<void> {
    await this.pool.close();
  }

  /**
   * The manifest or index `digest` (else `ref`'s tag, else latest) as it is: digest-checked, validated, nothing
   * picked out of an index. Errors are not wrapped.
   */
  async fetchManifest(ref: ImageReference, digest: string | undefined): Promise<FetchedManifest> {
    const reference = digest ?? ref.tag ?? 'latest';
    const res = await this.send(ref, { path: `manifests/${reference}`, actions: ['pull'], headers: { accept: MANIFEST_ACCEPT } });
    await expectOk(res);
    const bytes = await readCapped(res, JSON_LIMIT, `manifest ${reference} of ${ref}`);
    const header = res.headers['docker-content-digest'];
    return decodeManifest({
      bytes,
      expectedDigest: digest,
      headerDigest: typeof header === 'string' ? header : undefined,
      contentType: typeof res.headers['content-type'] === 'string' ? res.headers['content-type'] : undefined,
      what: `manifest ${reference} of ${ref}`,
    });
  }

  /**
   * A blob read into memory (an image config, a cache config): at most `limit` bytes (default the JSON cap), size
   * checked against the descriptor, digest verified. Errors are not wrapped (the caller names the operation).
   */
  async fetchSmallBlob(ref: ImageReference, desc: Descriptor, what: string, limit = JSON_LIMIT): Promise<Buffer> {
    if (desc.size > limit) throw new RegistryError(`${what} is too large: ${desc.size} bytes (limit ${limit})`);
    const res = await this.send(ref, { path: `blobs/${desc.digest}`, actions: ['pull'], followRedirects: true });
    await expectOk(res);
    const bytes = await readCapped(res, limit, what);
    if (bytes.length !== desc.size) throw new DigestMismatchError(`size mismatch for ${what}: expected ${desc.size} bytes, got ${bytes.length}`);
    verifyBytes(bytes, desc.digest, what);
    return bytes;
  }

  /** One-line, credential-free error for the user: `PREFIX: what went wrong[; hint]`. */
  private async wrap(prefix: string, ref: ImageReference, e: unknown): Promise<unknown> {
    const config = await this.dockerConfig.catch(() => undefined);
    return userError({ prefix, host: ref.domain, error: e, redact: (s) => this.auth.redact(s), config });
  }

}
