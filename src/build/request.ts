/**
 * What the CLI hands to a build, after every flag was validated at the edge (src/cli). Nothing below the
 * CLI parses flag strings.
 */
import type { Compression } from '../oci/media-types.js';

export interface LocalOutput { readonly type: 'local'; readonly dest: string }
export interface TarOutput { readonly type: 'tar'; readonly dest: string /* path or '-' */ }
/** The keys every image exporter (oci, docker, image) takes. */
interface ImageExportKeys {
  readonly names: readonly string[];
  readonly compression: Compression;
  readonly compressionLevel?: number;
  readonly forceCompression: boolean;
  readonly ociMediaTypes: boolean;
  readonly annotations: Readonly<Record<string, string>>;
  /** annotation-manifest-descriptor[...].KEY: on the manifest's descriptor (index.json, --metadata-file). */
  readonly manifestDescriptorAnnotations?: Readonly<Record<string, string>>;
  /** rewrite-timestamp=true: clamp file times in the image's NEW layers to the source date epoch. */
  readonly rewriteTimestamp?: boolean;
  /** source-date-epoch=N (seconds): overrides the build's SOURCE_DATE_EPOCH for this output. */
  readonly sourceDateEpoch?: number;
}
export interface ImageArchiveOutput extends ImageExportKeys {
  readonly type: 'oci' | 'docker';
  readonly dest: string; // path or '-'
  /** type=oci,tar=false writes a layout directory. */
  readonly tar: boolean;
}
export interface ImageOutput extends ImageExportKeys {
  readonly type: 'image';
  readonly push: boolean;
  // ---- begin CLI extension (src/cli/output-flag.ts): image exporter keys parsed and carried, not yet acted on ----
  readonly pushByDigest?: boolean;
  readonly nameCanonical?: boolean;
  readonly danglingNamePrefix?: string;
  readonly registryInsecure?: boolean;
  readonly unpack?: boolean;
  readonly store?: boolean;
  // ---- end CLI extension ----
}
export type OutputSpec = LocalOutput | TarOutput | ImageArchiveOutput | ImageOutput;

export interface FrontendOptions {
  /** Dockerfile name relative to the `dockerfile` local (default "Dockerfile"). */
  readonly filename: string;
  readonly target?: string;
  readonly buildArgs: ReadonlyMap<string, string>;
  /** Every --opt as given (key -> value), for options not typed above. */
  readonly raw: ReadonlyMap<string, string>;
}

export interface BuildRequest {
  readonly frontend: 'dockerfile.v0';
  /** --local NAME=DIR, DIR made absolute. */
  readonly locals: ReadonlyMap<string, string>;
  readonly frontendOpts: FrontendOptions;
  readonly outputs: readonly OutputSpec[];
  readonly noCache: boolean;
  readonly metadataFile?: string;
  // ---- begin CLI extension (src/cli): parsed and validated at the edge, carried for later issues, not yet used ----
  /** --export-cache / --import-cache, one entry per flag. */
  readonly exportCache?: readonly CacheSpec[];
  readonly importCache?: readonly CacheSpec[];
  /** --secret id=ID,src=FILE | id=ID,env=VAR (values are registered with the progress redactor, never printed). */
  readonly secrets?: readonly SecretSpec[];
  /** --ssh ID[=SOCKET|KEY[,...]] */
  readonly ssh?: readonly SshSpec[];
  /** --allow ENTITLEMENT */
  readonly allow?: readonly Entitlement[];
  /** --oci-layout NAME=DIR (DIR absolute, holding index.json): stores for `oci-layout://NAME` named contexts. */
  readonly ociLayouts?: ReadonlyMap<string, string>;
  // ---- end CLI extension ----
}

// ---- begin CLI extension types (owned by src/cli) ----
export type CacheType = 'registry' | 'local' | 'inline';
export interface CacheSpec {
  readonly type: CacheType;
  /** Every key=value of the flag except type, keys checked against the type's known keys. */
  readonly attrs: Readonly<Record<string, string>>;
}
export interface SecretSpec {
  readonly id: string;
  /** Exactly one of src (absolute file path) and env (variable name) is set. */
  readonly src?: string;
  readonly env?: string;
}
export interface SshSpec {
  readonly id: string;
  /** Agent socket or key file paths; empty = $SSH_AUTH_SOCK. */
  readonly paths: readonly string[];
}
export type Entitlement = 'network.host' | 'security.insecure';
// ---- end CLI extension types ----

/** Daemon-side settings (BuildKit's buildkitd flags), from BUILDKITD_FLAGS or the CLI. */
export interface DaemonOptions {
  /** --root: a persistent state dir; undefined = ephemeral. */
  readonly root?: string;
  readonly debug: boolean;
  // ---- begin CLI extension (src/cli/daemon-flags.ts): buildkitd flags accepted from BUILDKITD_FLAGS ----
  /** --oci-worker-snapshotter: 'auto' (default), 'overlayfs' or 'native'. */
  readonly snapshotter?: 'auto' | 'overlayfs' | 'native';
  /** --oci-worker-no-process-sandbox: RUN shares the host PID namespace (BuildKit's rootless option). */
  readonly noProcessSandbox?: boolean;
  /**
   * --oci-worker-net: 'auto' (default) and 'host' give RUN the host's network; 'slirp4netns' (rootless only) runs
   * the whole build under `rootlesskit --net=slirp4netns --disable-host-loopback`.
   */
  readonly net?: 'auto' | 'host' | 'slirp4netns';
  /** --config: absolute path of a buildkitd.toml (checked to exist; not yet read). */
  readonly config?: string;
  /** --oci-worker-gc-keepstorage in bytes: the end-of-build GC's budget (wins over gckeepstorage in --config). */
  readonly gcKeepBytes?: number;
  /** --oci-worker-gc=false turns the end-of-build GC off; undefined: as --config says (default on). */
  readonly gc?: boolean;
  // ---- end CLI extension ----
}

/** What a build reports back (written to --metadata-file as JSON, like buildctl's exporter response). */
export type ExporterResponse = Record<string, string | Record<string, unknown>>;
