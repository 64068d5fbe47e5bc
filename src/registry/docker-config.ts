/**
 * Registry credentials from Docker's client config, `$DOCKER_CONFIG/config.json` (default `~/.docker/config.json`).
 * A missing file means "no credentials". Lookup per registry host follows the docker CLI: `credHelpers[host]`,
 * then `credsStore`, then the `auths` entry (base64 `auth`, or `username`/`password`, `identitytoken`,
 * `registrytoken`). Docker Hub is stored under `https://index.docker.io/v1/`.
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { RegistryError, isErrno } from '../errors.js';
import { credentialsFromHelper } from './cred-helper.js';
import { DEFAULT_DOMAIN } from './reference.js';

/** What we may send to a registry. Any field may be missing; all of them are secrets except `username`. */
export interface Credentials {
  username?: string;
  password?: string;
  /** OAuth2 refresh token (`identitytoken`), exchanged at the token realm with a POST. */
  identityToken?: string;
  /** A bearer token to send as is (`registrytoken`). */
  registryToken?: string;
}

/** Source: docker/cli cli/config/configfile/file.go and types/authconfig.go. Unknown keys are allowed. */
const AuthEntrySchema = Type.Object({
  auth: Type.Optional(Type.String()),
  username: Type.Optional(Type.String()),
  password: Type.Optional(Type.String()),
  identitytoken: Type.Optional(Type.String()),
  registrytoken: Type.Optional(Type.String()),
  email: Type.Optional(Type.String()),
});
const DockerConfigFileSchema = Type.Object({
  auths: Type.Optional(Type.Record(Type.String(), AuthEntrySchema)),
  credHelpers: Type.Optional(Type.Record(Type.String(), Type.String())),
  credsStore: Type.Optional(Type.String()),
});
type DockerConfigFile = Static<typeof DockerConfigFileSchema>;
const DockerConfigFileCheck = TypeCompiler.Compile(DockerConfigFileSchema);

/** The key Docker Hub credentials live under. */
export const DOCKER_HUB_SERVER_URL = 'https://index.docker.io/v1/';
const DOCKER_HUB_HOSTS = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

export class DockerConfig {
  /** Path the config was read from (or would have been): used in "check credentials" hints. */
  readonly path: string;
  /** False when the file did not exist. */
  readonly exists: boolean;
  private readonly file: DockerConfigFile;
  private readonly env: NodeJS.ProcessEnv;
  private readonly cache = new Map<string, Promise<Credentials | undefined>>();

  constructor(opts: { path: string; exists: boolean; file: DockerConfigFile; env?: NodeJS.ProcessEnv }) {
    this.path = opts.path;
    this.exists = opts.exists;
    this.file = opts.file;
    this.env = opts.env ?? process.env;
  }

  /** Credentials for a registry host as written in a reference (`docker.io`, `127.0.0.1:5000`). Cached per host. */
  credentialsFor(host: string): Promise<Credentials | undefined> {
    let p = this.cache.get(host);
    if (p === undefined) {
      p = this.lookup(host);
      this.cache.set(host, p);
    }
    return p;
  }

  private async lookup(host: string): Promise<Credentials | undefined> {
    const hub = DOCKER_HUB_HOSTS.has(host);
    const serverURL = hub ? DOCKER_HUB_SERVER_URL : host;
    const helpers = this.file.credHelpers ?? {};
    const helper = helpers[serverURL] ?? helpers[host] ?? (hub ? helpers[DEFAULT_DOMAIN] : undefined) ?? this.file.credsStore;
    if (helper !== undefined && helper !== '') {
      const fromHelper = await credentialsFromHelper(helper, serverURL, this.env);
      if (fromHelper !== undefined) return fromHelper;
    }
    const entry = this.findAuthEntry(host, hub);
    return entry === undefined ? undefined : this.decodeEntry(entry[0], entry[1]);
  }

  private findAuthEntry(host: string, hub: boolean): [string, Static<typeof AuthEntrySchema>] | undefined {
    const auths = this.file.auths ?? {};
    const exact = hub ? auths[DOCKER_HUB_SERVER_URL] : auths[host];
    if (exact !== undefined) return [hub ? DOCKER_HUB_SERVER_URL : host, exact];
    for (const [key, entry] of Object.entries(auths)) {
      const h = hostOfKey(key);
      if (hub ? DOCKER_HUB_HOSTS.has(h) : h === host) return [key, entry];
    }
    return undefined;
  }

  private decodeEntry(key: string, e: Static<typeof AuthEntrySchema>): Credentials | undefined {
    const c: Credentials = {};
    if (e.auth !== undefined && e.auth !== '') {
      const decoded = Buffer.from(e.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon <= 0) throw new RegistryError(`invalid "auth" for ${key} in ${this.path}: expected base64 of user:password`);
      c.username = decoded.slice(0, colon);
      c.password = decoded.slice(colon + 1);
    } else {
      if (e.username !== undefined && e.username !== '') c.username = e.username;
      if (e.password !== undefined && e.password !== '') c.password = e.password;
    }
    if (e.identitytoken !== undefined && e.identitytoken !== '') c.identityToken = e.identitytoken;
    if (e.registrytoken !== undefined && e.registrytoken !== '') c.registryToken = e.registrytoken;
    return Object.keys(c).length === 0 ? undefined : c;
  }
}

/** docker/cli's ConvertToHostname: `https://host:port/v1/` -> `host:port`. */
function hostOfKey(key: string): string {
  const stripped = key.replace(/^https?:\/\//, '');
  const slash = stripped.indexOf('/');
  return slash === -1 ? stripped : stripped.slice(0, slash);
}

/** `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`. */
export function dockerConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env['DOCKER_CONFIG'] !== undefined && env['DOCKER_CONFIG'] !== '' ? env['DOCKER_CONFIG'] : join(homedir(), '.docker');
  return join(dir, 'config.json');
}

/** Read and validate the docker config. A missing file gives an empty config; an invalid one throws RegistryError. */
export async function loadDockerConfig(opts: { env?: NodeJS.ProcessEnv; path?: string } = {}): Promise<DockerConfig> {
  const env = opts.env ?? process.env;
  const path = opts.path ?? dockerConfigPath(env);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return new DockerConfig({ path, exists: false, file: {}, env });
    throw new RegistryError(`cannot read ${path}: ${(e as Error).message}`, { cause: e });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new RegistryError(`invalid JSON in ${path}`);
  }
  if (!DockerConfigFileCheck.Check(parsed)) {
    const first = DockerConfigFileCheck.Errors(parsed).First();
    throw new RegistryError(`invalid ${path}: ${first ? `${first.path || '/'}: ${first.message}` : 'unexpected shape'}`);
  }
  return new DockerConfig({ path, exists: true, file: parsed, env });
}
