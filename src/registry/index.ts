/** Registry client: references, credentials, auth, and the pull (later push) API. */
export { parseReference, ImageReference, InvalidReferenceError, DEFAULT_DOMAIN } from './reference.js';
export { RegistryClient, type ResolvedImage, type RegistryClientOptions, type FetchBlobOptions, type RepositoryRequest } from './client.js';
export { loadDockerConfig, dockerConfigPath, DockerConfig, type Credentials } from './docker-config.js';
export { defaultHostConfig, type HostConfigResolver, type RegistryHostConfig } from './host-config.js';
export { UnauthorizedError, NotFoundError, NoMatchingPlatformError } from './registry-errors.js';
export { DEFAULT_PLATFORM, type PlatformSpec } from './platform.js';
