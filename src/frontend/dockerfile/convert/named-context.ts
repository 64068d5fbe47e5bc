/**
 * Named contexts (BuildKit dockerui NamedContext): `--opt context:NAME=VALUE` replaces the stage or image NAME
 * wherever FROM or COPY --from uses it. VALUE is `docker-image://REF`, `local:LOCALNAME` (a --local dir) or
 * `oci-layout://STORE[:TAG][@DIGEST]` (an --oci-layout dir). NAME is matched as BuildKit does: the familiar
 * image name without `:latest` (so `FROM docker.io/library/alpine` is `alpine`), first as `NAME::linux/amd64`.
 */
import { DockerfileError, FlagError } from '../../../errors.js';
import { parseReference } from '../../../registry/index.js';

export type NamedContextSpec =
  | { readonly kind: 'docker-image'; readonly ref: string }
  | { readonly kind: 'local'; readonly name: string }
  | { readonly kind: 'oci-layout'; readonly store: string; readonly ref: string };

const PREFIX = 'context:';

/** Every `context:NAME=VALUE` frontend opt, parsed; unknown schemes are refused with BuildKit's wording. */
export function parseNamedContexts(raw: ReadonlyMap<string, string>): Map<string, NamedContextSpec> {
  const out = new Map<string, NamedContextSpec>();
  for (const [key, value] of raw) {
    if (!key.startsWith(PREFIX)) continue;
    const name = key.slice(PREFIX.length);
    if (name === '') throw new FlagError(`invalid --opt ${key}=${value}: a named context needs a name (context:NAME=...)`);
    out.set(name, parseValue(name, value));
  }
  return out;
}

function parseValue(name: string, v: string): NamedContextSpec {
  if (v.startsWith('docker-image://')) {
    const ref = v.slice('docker-image://'.length);
    try {
      parseReference(ref);
    } catch (e) {
      throw new FlagError(`invalid --opt context:${name}=${v}: ${(e as Error).message}`);
    }
    return { kind: 'docker-image', ref };
  }
  if (v.startsWith('local:')) {
    const local = v.slice('local:'.length);
    if (local === '') throw new FlagError(`invalid --opt context:${name}=${v}: local: needs the name of a --local directory`);
    return { kind: 'local', name: local };
  }
  if (v.startsWith('oci-layout://')) {
    const rest = v.slice('oci-layout://'.length);
    const m = /^([^:@/]+)(.*)$/.exec(rest);
    if (!m) throw new FlagError(`invalid --opt context:${name}=${v}: expected oci-layout://STORE[:TAG][@DIGEST]`);
    const suffix = m[2]!;
    if (suffix !== '' && !/^(:[\w][\w.-]{0,127})?(@sha256:[a-f0-9]{64})?$/.test(suffix)) {
      throw new FlagError(`invalid --opt context:${name}=${v}: expected oci-layout://STORE[:TAG][@DIGEST]`);
    }
    return { kind: 'oci-layout', store: m[1]!, ref: suffix };
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(v)?.[1];
  throw new FlagError(`unsupported context source ${scheme ?? v} for ${name}`, {
    hint: 'named contexts take docker-image://REF, local:NAME (with --local NAME=DIR) or oci-layout://NAME (with --oci-layout NAME=DIR)',
  });
}

/** The keys a FROM/COPY --from name is looked up under, in BuildKit's order. */
export function contextKeys(name: string): string[] {
  let familiar: string;
  try {
    familiar = parseReference(name).familiar;
  } catch {
    return [];
  }
  if (familiar.endsWith(':latest')) familiar = familiar.slice(0, -':latest'.length);
  return [`${familiar}::linux/amd64`, familiar];
}

export function findNamedContext(contexts: ReadonlyMap<string, NamedContextSpec>, name: string): NamedContextSpec | undefined {
  if (contexts.size === 0) return undefined;
  for (const k of contextKeys(name)) {
    const c = contexts.get(k);
    if (c) return c;
  }
  return undefined;
}

/** A named context that cannot be resolved: named, so the user sees which --opt is at fault. */
export function namedContextError(name: string, spec: NamedContextSpec, why: string): DockerfileError {
  const v = spec.kind === 'docker-image' ? `docker-image://${spec.ref}` : spec.kind === 'local' ? `local:${spec.name}` : `oci-layout://${spec.store}${spec.ref}`;
  return new DockerfileError(`named context ${name}=${v}: ${why}`);
}
