/**
 * Per-registry-host connection settings. Today: plain HTTP for loopback hosts, HTTPS for everything else.
 * This is the hook for BuildKit's buildkitd.toml `[registry."host"]` (http, insecure, ca, mirrors): pass a
 * `HostConfigResolver` to RegistryClient. Mirrors are carried in the type but not yet tried (issue 5).
 */
import { rootCertificates } from 'node:tls';
import { Agent, type Dispatcher } from 'undici';
import { DEFAULT_DOMAIN } from './reference.js';

export interface RegistryHostConfig {
  /** Talk plain HTTP instead of HTTPS. */
  http: boolean;
  /** HTTPS without verifying the server certificate. */
  insecure?: boolean;
  /** Extra PEM CA certificates to trust for this host. */
  ca?: string[];
  /** Mirror hosts to try before this one (not used yet). */
  mirrors?: string[];
}

/** Maps a registry host as written in a reference (`127.0.0.1:5000`, `docker.io`) to its settings. */
export type HostConfigResolver = (host: string) => RegistryHostConfig;

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** The host part of `host[:port]`, keeping IPv6 brackets. */
export function hostWithoutPort(host: string): string {
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  const colon = host.lastIndexOf(':');
  return colon === -1 ? host : host.slice(0, colon);
}

/** BuildKit/containerd default: loopback registries are plain HTTP, everything else HTTPS with verification. */
export const defaultHostConfig: HostConfigResolver = (host) => ({ http: LOOPBACK.has(hostWithoutPort(host)) });

/** Where the registry API of a reference's domain lives: Docker Hub's API is on registry-1.docker.io. */
export function apiHost(domain: string): string {
  return domain === DEFAULT_DOMAIN ? 'registry-1.docker.io' : domain;
}

/**
 * Owns the undici Agents: one shared keep-alive Agent for ordinary hosts, one per host with custom TLS settings.
 * Close it to release sockets.
 */
export class DispatcherPool {
  private readonly shared: Agent;
  private readonly custom = new Map<string, Agent>();

  constructor() {
    this.shared = new Agent({ keepAliveTimeout: 30_000, keepAliveMaxTimeout: 120_000, connections: 16 });
  }

  /** The dispatcher for a host with the given settings. */
  forHost(host: string, cfg: RegistryHostConfig): Dispatcher {
    if (cfg.http || (cfg.insecure !== true && (cfg.ca === undefined || cfg.ca.length === 0))) return this.shared;
    let agent = this.custom.get(host);
    if (agent === undefined) {
      const connect: { rejectUnauthorized?: boolean; ca?: string[] } = {};
      if (cfg.insecure === true) connect.rejectUnauthorized = false;
      if (cfg.ca !== undefined && cfg.ca.length > 0) connect.ca = [...rootCertificates, ...cfg.ca]; // add to, not replace, the system roots
      agent = new Agent({ keepAliveTimeout: 30_000, connections: 16, connect });
      this.custom.set(host, agent);
    }
    return agent;
  }

  async close(): Promise<void> {
    await Promise.all([this.shared.close(), ...[...this.custom.values()].map((a) => a.close())]);
  }
}
