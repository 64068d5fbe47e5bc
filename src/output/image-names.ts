/**
 * Image names as BuildKit's oci/docker exporters write them: each name normalised like Docker's
 * reference.ParseNormalizedNamed + TagNameOnly ("foo" -> "docker.io/library/foo:latest"), put in the index
 * as `io.containerd.image.name` (full name) and `org.opencontainers.image.ref.name` (containerd's
 * ociReferenceName: the tag, or tag@digest), and in docker's manifest.json familiarised ("foo:latest").
 */
import { OutputError } from '../errors.js';

const DEFAULT_DOMAIN = 'docker.io';
// distribution/reference grammar, simplified to the checks that matter for a name we write.
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;

interface ParsedName { domain: string; path: string; tag?: string; digest?: string }

function parse(name: string): ParsedName {
  let rest = name;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw new OutputError(`invalid image name ${JSON.stringify(name)}: bad digest`);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw new OutputError(`invalid image name ${JSON.stringify(name)}: bad tag`);
  }
  const slash = rest.indexOf('/');
  const first = slash < 0 ? '' : rest.slice(0, slash);
  let domain = DEFAULT_DOMAIN;
  let path = rest;
  if (slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase())) {
    domain = first;
    path = rest.slice(slash + 1);
  }
  if (domain === 'index.docker.io') domain = DEFAULT_DOMAIN;
  if (domain === DEFAULT_DOMAIN && !path.includes('/')) path = `library/${path}`;
  if (!path.split('/').every((c) => PATH_COMPONENT.test(c))) {
    throw new OutputError(`invalid image name ${JSON.stringify(name)}: repository name must be lowercase`);
  }
  return { domain, path, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

function format(p: ParsedName, domain: boolean): string {
  let repo = `${p.domain}/${p.path}`;
  if (!domain && p.domain === DEFAULT_DOMAIN) repo = p.path.startsWith('library/') ? p.path.slice('library/'.length) : p.path;
  return repo + (p.tag !== undefined ? `:${p.tag}` : '') + (p.digest !== undefined ? `@${p.digest}` : '');
}

/** "foo" -> "docker.io/library/foo:latest"; a name with only a digest gets no tag. */
export function normalizeImageName(name: string): string {
  const p = parse(name.trim());
  if (p.tag === undefined && p.digest === undefined) p.tag = 'latest';
  return format(p, true);
}

/** The `org.opencontainers.image.ref.name` containerd writes for a normalised name: its tag (and digest). */
export function ociRefName(normalized: string): string {
  const p = parse(normalized);
  return (p.tag ?? '') + (p.digest !== undefined ? `@${p.digest}` : '');
}

/** "docker.io/library/foo:latest" -> "foo:latest" (docker's RepoTags). */
export function familiarImageName(normalized: string): string {
  return format(parse(normalized), false);
}

/** Index annotations for one name, in the order containerd adds them (sorted on output anyway). */
export function nameAnnotations(normalized: string): Record<string, string> {
  return { 'io.containerd.image.name': normalized, 'org.opencontainers.image.ref.name': ociRefName(normalized) };
}
