/**
 * Docker image references, parsed like github.com/distribution/reference's ParseNormalizedNamed + TagNameOnly
 * (what BuildKit does with a FROM line): `busybox` -> `docker.io/library/busybox:latest`.
 *
 * Grammar (distribution/reference regexp.go):
 *   reference := name [ ":" tag ] [ "@" digest ]
 *   name      := [domain "/"] path-component ["/" path-component]*
 *   domain    := host [":" port]   (host: dns labels, or an IPv6 address in brackets)
 *   path-component := [a-z0-9]+ (separator [a-z0-9]+)*   separator := [_.] | "__" | "-"+
 *   tag       := [\w][\w.-]{0,127}
 *   digest    := algorithm ":" hex   (sha256: 64 hex, sha512: 128 hex)
 */
import { RegistryError } from '../errors.js';

export const DEFAULT_DOMAIN = 'docker.io';
const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
const OFFICIAL_REPO_PREFIX = 'library/';
const NAME_TOTAL_LENGTH_MAX = 255;

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN_RE = new RegExp(`^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?$`);
const PATH_COMPONENT_RE = /^[a-z0-9]+(?:(?:[_.]|__|-+)[a-z0-9]+)*$/;
const TAG_RE = /^[\w][\w.-]{0,127}$/;
const DIGEST_RE = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
const ANCHORED_HEX64_RE = /^[a-f0-9]{64}$/;
const DIGEST_HEX_LENGTH: Record<string, number> = { sha256: 64, sha512: 128 };

/** A reference that does not parse. Same code as RegistryError (BK0003); a class so callers can tell it apart. */
export class InvalidReferenceError extends RegistryError {}

/** A parsed, normalized image reference. Immutable. */
export class ImageReference {
  /** Registry host as written in the reference, with port: `docker.io`, `127.0.0.1:5000`. */
  readonly domain: string;
  /** Repository path inside the registry: `library/busybox`, `test/busybox`. */
  readonly path: string;
  readonly tag: string | undefined;
  /** `sha256:<hex>` when the reference is pinned. */
  readonly digest: string | undefined;

  constructor(parts: { domain: string; path: string; tag?: string | undefined; digest?: string | undefined }) {
    this.domain = parts.domain;
    this.path = parts.path;
    this.tag = parts.tag;
    this.digest = parts.digest;
  }

  /** `domain/path`, the repository name without tag or digest. */
  get name(): string {
    return `${this.domain}/${this.path}`;
  }

  /** Full normalized form: `docker.io/library/busybox:latest[@sha256:...]`. */
  toString(): string {
    return this.name + suffix(this);
  }

  /** Short display form (distribution's FamiliarString): `busybox:latest`, `user/app:1`, `127.0.0.1:5000/x:y`. */
  get familiar(): string {
    let name = this.name;
    if (this.domain === DEFAULT_DOMAIN) {
      name = this.path.startsWith(OFFICIAL_REPO_PREFIX) && this.path.indexOf('/', OFFICIAL_REPO_PREFIX.length) === -1
        ? this.path.slice(OFFICIAL_REPO_PREFIX.length)
        : this.path;
    }
    return name + suffix(this);
  }

  /** Same repository and tag, pinned to a digest (BuildKit shows `name:tag@digest` after resolving). */
  withDigest(digest: string): ImageReference {
    return new ImageReference({ domain: this.domain, path: this.path, tag: this.tag, digest });
  }

  /** Same repository with another tag and no digest (used when pushing). */
  withTag(tag: string): ImageReference {
    return new ImageReference({ domain: this.domain, path: this.path, tag });
  }
}

function suffix(r: ImageReference): string {
  return (r.tag !== undefined ? `:${r.tag}` : '') + (r.digest !== undefined ? `@${r.digest}` : '');
}

function invalid(s: string, why: string): InvalidReferenceError {
  return new InvalidReferenceError(`invalid reference format "${s}": ${why}`);
}

/**
 * Parse and normalize a reference. Adds `docker.io/`, `library/` and `:latest` like docker does; a reference
 * with only a digest gets no tag. Throws InvalidReferenceError naming the reference.
 */
export function parseReference(s: string): ImageReference {
  if (s === '') throw invalid(s, 'empty reference');
  if (ANCHORED_HEX64_RE.test(s)) throw invalid(s, 'cannot specify 64-byte hexadecimal strings as a repository name');

  let rest = s;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    validateDigest(s, digest);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/') && colon > rest.lastIndexOf(']')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG_RE.test(tag)) throw invalid(s, `invalid tag "${tag}"`);
  }
  if (rest === '') throw invalid(s, 'missing repository name');
  if (rest.length > NAME_TOTAL_LENGTH_MAX) throw invalid(s, `repository name must have at most ${NAME_TOTAL_LENGTH_MAX} characters`);

  let { domain, path } = splitDomain(rest);
  if (!DOMAIN_RE.test(domain)) throw invalid(s, `invalid registry host "${domain}"`);
  if (path.toLowerCase() !== path) throw invalid(s, 'repository name must be lowercase');
  for (const component of path.split('/')) {
    if (!PATH_COMPONENT_RE.test(component)) throw invalid(s, `invalid repository name component "${component}"`);
  }
  if (domain === LEGACY_DEFAULT_DOMAIN) domain = DEFAULT_DOMAIN;
  if (domain === DEFAULT_DOMAIN && !path.includes('/')) path = OFFICIAL_REPO_PREFIX + path;
  if (tag === undefined && digest === undefined) tag = 'latest';
  return new ImageReference({ domain, path, tag, digest });
}

/** distribution's splitDockerDomain: the first component is a host only if it has `.` or `:`, or is `localhost`. */
function splitDomain(name: string): { domain: string; path: string } {
  const i = name.indexOf('/');
  if (i === -1) return { domain: DEFAULT_DOMAIN, path: name };
  const first = name.slice(0, i);
  const isHost = /[.:]/.test(first) || first.startsWith('[') || first === 'localhost' || first.toLowerCase() !== first;
  return isHost ? { domain: first, path: name.slice(i + 1) } : { domain: DEFAULT_DOMAIN, path: name };
}

function validateDigest(s: string, digest: string): void {
  if (!DIGEST_RE.test(digest)) throw invalid(s, `invalid digest "${digest}"`);
  const [algorithm, hex] = digest.split(':') as [string, string];
  const want = DIGEST_HEX_LENGTH[algorithm];
  if (want === undefined) throw invalid(s, `unsupported digest algorithm "${algorithm}"`);
  if (hex.length !== want || !/^[a-f0-9]+$/.test(hex)) throw invalid(s, `invalid ${algorithm} digest "${digest}"`);
}
