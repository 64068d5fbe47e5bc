/**
 * buildkitd.toml `[registry."host"]` sections as the HostConfigResolver the RegistryClient uses for pull, push
 * and cache alike. A host without a section gets BuildKit's defaults (plain HTTP on loopback, verified HTTPS
 * elsewhere); Docker Hub's API hosts take the `docker.io` section. Every answer names the file (and section)
 * it came from, so connection errors can say which setting applied.
 */
import { defaultHostConfig, isLoopbackHost, type HostConfigResolver, type RegistryHostConfig } from '../registry/host-config.js';
import { DEFAULT_DOMAIN } from '../registry/reference.js';
import { loadBuildkitdConfig, type BuildkitdConfig } from './buildkitd-config.js';

const DOCKER_HUB_API_HOSTS = new Set(['registry-1.docker.io', 'index.docker.io']);

/** The resolver for a loaded config; without one, BuildKit's defaults. */
export function hostConfigResolver(config: BuildkitdConfig | undefined): HostConfigResolver {
  if (config === undefined) return defaultHostConfig;
  return (host) => {
    const name = config.registries.has(host) || !DOCKER_HUB_API_HOSTS.has(host) ? host : DEFAULT_DOMAIN;
    const s = config.registries.get(name);
    if (s === undefined) return { http: isLoopbackHost(host), source: { file: config.path } };
    const out: RegistryHostConfig = { http: s.section.http ?? isLoopbackHost(host), source: { file: config.path, section: name } };
    if (s.section.insecure === true) out.insecure = true;
    if (s.ca.length > 0) out.ca = s.ca;
    if (s.keypairs.length > 0) out.keypairs = s.keypairs;
    if (s.section.mirrors !== undefined && s.section.mirrors.length > 0) out.mirrors = s.section.mirrors;
    return out;
  };
}

/** The RegistryClient options for `--config FILE` (undefined: none given). Throws FlagError for a bad file. */
export function registryClientOptions(configFile: string | undefined): { hostConfig: HostConfigResolver } {
  return { hostConfig: hostConfigResolver(configFile === undefined ? undefined : loadBuildkitdConfig(configFile)) };
}
