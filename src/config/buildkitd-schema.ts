/**
 * The parts of buildkitd.toml this tool reads. Source: moby/buildkit cmd/buildkitd/config/config.go and
 * util/resolver/config (RegistryConfig, TLSKeyPair). Every other key BuildKit knows (grpc, gc policies, cdi,
 * frontend, history, ...) is accepted and ignored, as buildkitd accepts them: objects are open.
 */
import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';

const TLSKeyPairSchema = Type.Object({
  /** PEM private key file. */
  key: Type.String(),
  /** PEM certificate file. */
  cert: Type.String(),
});

/** `[registry."host:port"]` */
export const RegistrySectionSchema = Type.Object({
  /** Hosts (optionally with a path prefix, `harbor.example/proxy.docker.io`) pulled from before this host. */
  mirrors: Type.Optional(Type.Array(Type.String())),
  /** Plain HTTP. Unset: loopback hosts are plain HTTP, everything else HTTPS. */
  http: Type.Optional(Type.Boolean()),
  /** HTTPS without certificate verification (and, for plain-HTTP hosts, falling back to HTTP). */
  insecure: Type.Optional(Type.Boolean()),
  /** PEM CA certificate files trusted for this host, in addition to the system roots. */
  ca: Type.Optional(Type.Array(Type.String())),
  /** Client certificates. */
  keypair: Type.Optional(Type.Array(TLSKeyPairSchema)),
  /** Directories in the layout of /etc/docker/certs.d/HOST: *.crt are CAs, NAME.cert + NAME.key are keypairs. */
  tlsconfigdir: Type.Optional(Type.Array(Type.String())),
});
export type RegistrySection = Static<typeof RegistrySectionSchema>;

export const BuildkitdConfigSchema = Type.Object({
  debug: Type.Optional(Type.Boolean()),
  /** The state dir (our --root). */
  root: Type.Optional(Type.String()),
  registry: Type.Optional(Type.Record(Type.String(), RegistrySectionSchema)),
  worker: Type.Optional(Type.Object({
    oci: Type.Optional(Type.Object({
      /** BuildKit: auto, overlayfs, native, fuse-overlayfs, stargz. We implement the first three. */
      snapshotter: Type.Optional(Type.String()),
      noProcessSandbox: Type.Optional(Type.Boolean()),
    })),
  })),
});
export type BuildkitdConfigFile = Static<typeof BuildkitdConfigSchema>;
export const BuildkitdConfigCheck = TypeCompiler.Compile(BuildkitdConfigSchema);

/** A TypeBox error path (`/registry/127.0.0.1:5000/http`) as the TOML key a user wrote (`registry."127.0.0.1:5000".http`). */
export function tomlKey(pointer: string): string {
  const parts = pointer.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  let out = '';
  for (const p of parts) {
    if (/^\d+$/.test(p)) out += `[${p}]`;
    else out += (out === '' ? '' : '.') + (/^[A-Za-z0-9_-]+$/.test(p) ? p : JSON.stringify(p));
  }
  return out === '' ? '(top level)' : out;
}
