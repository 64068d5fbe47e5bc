/**
 * Per-registry-host connection settings (buildkitd.toml `[registry."host"]`, see src/config/registry-hosts.ts)
 * and the endpoints a request for a reference's domain goes to, in order, as BuildKit's util/resolver builds
 * them for containerd:
 * - mirrors first, for pulls only (BuildKit gives mirrors the pull+resolve capabilities, never push), each with
 *   the settings of its own `[registry."mirror"]` section;
 * - then the host itself: plain HTTP when `http = true` (or unset on a loopback host); HTTPS otherwise;
 *   `insecure = true` is HTTPS without verification, followed by plain HTTP when the host is an HTTP one.
 */
import { rootCertificates } from 'node:tls';
import { Agent, buildConnector, type Dispatcher } from 'undici';
import { explainConnectionError } from '../config/connection-errors.js';
import type { Action } from './auth.js';
import { DEFAULT_DOMAIN } from './reference.js';

export interface RegistryHostConfig {
  /** Plain HTTP for this host (explicit `http = true`, or unset on a loopback host). */
  http: boolean;
  /** HTTPS without verifying the certificate (tried before plain HTTP when `http` is also set). */
  insecure?: boolean;
  /** Extra PEM CA certificates trusted for this host, in addition to the system roots. */
  ca?: string[];
  /** PEM client certificates and keys offered to this host. */
  keypairs?: { cert: string; key: string }[];
  /** Mirror hosts (`host[:port][/path]`) pulls try before this host. */
  mirrors?: string[];
  /** Where the settings come from, named in connection errors. Undefined: built-in defaults, no --config. */
  source?: HostConfigSource;
}

export interface HostConfigSource {
  /** The buildkitd.toml path. */
  file: string;
  /** The `[registry."…"]` section that applies, or undefined when the file has none for this host. */
  section?: string;
}

/** Maps a registry host as written in a reference (`127.0.0.1:5000`, `docker.io`) or an API host to its settings. */
export type HostConfigResolver = (host: string) => RegistryHostConfig;

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** The host part of `host[:port]`, keeping IPv6 brackets. */
export function hostWithoutPort(host: string): string {
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  const colon = host.lastIndexOf(':');
  return colon === -1 ? host : host.slice(0, colon);
}

/** containerd's MatchLocalhost: `localhost`, `127.0.0.1`, `::1`, with any port. */
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.has(hostWithoutPort(host));
}

/** BuildKit/containerd default: loopback registries are plain HTTP, everything else HTTPS with verification. */
export const defaultHostConfig: HostConfigResolver = (host) => ({ http: isLoopbackHost(host) });

/** Where the registry API of a reference's domain lives: Docker Hub's API is on registry-1.docker.io. */
export function apiHost(domain: string): string {
  return domain === DEFAULT_DOMAIN ? 'registry-1.docker.io' : domain;
}

/** One place a repository request can be sent. */
export interface RegistryEndpoint {
  /** `https://registry-1.docker.io`, `http://127.0.0.1:5000`. */
  origin: string;
  /** What comes between the origin and `<repository>/...`: `/v2/`, or `/v2/<prefix>/` for a mirror with a path. */
  prefix: string;
  /** The host whose credentials and auth challenge apply (the mirror's own host for a mirror). */
  authHost: string;
  mirror: boolean;
  /** Settings of this endpoint's connection (for DispatcherPool.forHost). */
  config: RegistryHostConfig;
}

/**
 * The endpoints for a request to `domain`'s repositories, to try in order. Mirrors only for requests that
 * just read (`actions` = pull, GET/HEAD) and that address the repository by path (not an upload URL).
 */
export function registryEndpoints(domain: string, resolve: HostConfigResolver, req: {
  actions: readonly Action[]; method?: string; absoluteUrl?: boolean;
}): RegistryEndpoint[] {
  const cfg = resolve(domain);
  const readOnly = req.actions.every((a) => a === 'pull') && (req.method === undefined || req.method === 'GET' || req.method === 'HEAD');
  const out: RegistryEndpoint[] = [];
  if (readOnly && req.absoluteUrl !== true) {
    for (const m of cfg.mirrors ?? []) {
      const slash = m.indexOf('/');
      const host = slash === -1 ? m : m.slice(0, slash);
      const path = slash === -1 ? '' : m.slice(slash + 1).replace(/^\/+|\/+$/g, '');
      const prefix = path === '' ? '/v2/' : `/v2/${path}/`;
      for (const e of schemes(host, resolve(host))) out.push({ ...e, prefix, authHost: host, mirror: true });
    }
  }
  for (const e of schemes(apiHost(domain), cfg)) out.push({ ...e, prefix: '/v2/', authHost: domain, mirror: false });
  return out;
}

/** BuildKit's fillInsecureOpts: insecure HTTPS first (then HTTP for an HTTP host), HTTP, or verified HTTPS. */
function schemes(host: string, cfg: RegistryHostConfig): { origin: string; config: RegistryHostConfig }[] {
  const out: { origin: string; config: RegistryHostConfig }[] = [];
  if (cfg.insecure === true) out.push({ origin: `https://${host}`, config: { ...cfg, http: false } });
  if (cfg.http) out.push({ origin: `http://${host}`, config: cfg });
  if (out.length === 0) out.push({ origin: `https://${host}`, config: cfg });
  return out;
}

/**
 * Send to each endpoint in turn; the last endpoint's answer or error is the result (so a mirror's failure never
 * hides the origin's own). A mirror is left after any error or error status (>= 400, as containerd moves on from
 * a mirror's 4xx/5xx); the HTTPS try of an insecure host only after a connection error (BuildKit's httpFallback).
 * `onSkip` hears why an endpoint was left.
 */
export async function sendWithFallback<R extends { status: number; body: { dump(): Promise<void> } }>(
  endpoints: readonly RegistryEndpoint[],
  send: (endpoint: RegistryEndpoint) => Promise<R>,
  onSkip?: (endpoint: RegistryEndpoint, why: string) => void,
): Promise<R> {
  for (const [i, ep] of endpoints.entries()) {
    if (i === endpoints.length - 1) return send(ep);
    try {
      const res = await send(ep);
      if (!ep.mirror || res.status < 400) return res;
      await res.body.dump().catch(() => undefined);
      onSkip?.(ep, `status ${res.status}`);
    } catch (e) {
      if (e instanceof Error && e.name === 'AbortError') throw e;
      onSkip?.(ep, e instanceof Error ? e.message : String(e));
    }
  }
  throw new Error('registryEndpoints returned no endpoint');
}

/**
 * Owns the undici Agents: one per (host, TLS settings), so every connection carries its host's CA, client
 * certificate and verification choice, and a TLS failure is reported with the setting that applied
 * (explainConnectionError). Close it to release sockets.
 */
export class DispatcherPool {
  private readonly agents = new Map<string, Agent>();

  /** The dispatcher for an HTTPS (or HTTP) connection to `host` with the given settings. */
  forHost(host: string, cfg: RegistryHostConfig): Dispatcher {
    const key = JSON.stringify([host, cfg.insecure === true, cfg.ca ?? [], cfg.keypairs ?? [], cfg.source ?? null]);
    let agent = this.agents.get(key);
    if (agent === undefined) {
      const tls: { rejectUnauthorized?: boolean; ca?: string[]; cert?: string[]; key?: string[] } = {};
      if (cfg.insecure === true) tls.rejectUnauthorized = false;
      if (cfg.ca !== undefined && cfg.ca.length > 0) tls.ca = [...rootCertificates, ...cfg.ca]; // add to, not replace, the system roots
      if (cfg.keypairs !== undefined && cfg.keypairs.length > 0) {
        tls.cert = cfg.keypairs.map((k) => k.cert);
        tls.key = cfg.keypairs.map((k) => k.key);
      }
      const base = buildConnector({ ...tls, timeout: 30_000 });
      const connect: buildConnector.connector = (opts, cb) => {
        base(opts, (err, socket) => {
          if (err === null) cb(null, socket!);
          else cb(explainConnectionError({ host, cfg, error: err }), null);
        });
      };
      agent = new Agent({ keepAliveTimeout: 30_000, keepAliveMaxTimeout: 120_000, connections: 16, connect });
      this.agents.set(key, agent);
    }
    return agent;
  }

  async close(): Promise<void> {
    await Promise.all([...this.agents.values()].map((a) => a.close()));
  }
}
