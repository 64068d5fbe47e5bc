/**
 * What the CLI hands to a build, after every flag was validated at the edge (src/cli). Nothing below the
 * CLI parses flag strings.
 */
import type { Compression } from '../oci/media-types.js';

export interface LocalOutput { readonly type: 'local'; readonly dest: string }
export interface TarOutput { readonly type: 'tar'; readonly dest: string /* path or '-' */ }
export interface ImageArchiveOutput {
  readonly type: 'oci' | 'docker';
  readonly dest: string; // path or '-'
  readonly names: readonly string[];
  /** type=oci,tar=false writes a layout directory. */
  readonly tar: boolean;
  readonly compression: Compression;
  readonly compressionLevel?: number;
  readonly forceCompression: boolean;
  readonly ociMediaTypes: boolean;
  readonly annotations: Readonly<Record<string, string>>;
}
export interface ImageOutput {
  readonly type: 'image';
  readonly names: readonly string[];
  readonly push: boolean;
  readonly compression: Compression;
  readonly compressionLevel?: number;
  readonly forceCompression: boolean;
  readonly ociMediaTypes: boolean;
  readonly annotations: Readonly<Record<string, string>>;
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
}

/** Daemon-side settings (BuildKit's buildkitd flags), from BUILDKITD_FLAGS or the CLI. */
export interface DaemonOptions {
  /** --root: a persistent state dir; undefined = ephemeral. */
  readonly root?: string;
  readonly debug: boolean;
}

/** What a build reports back (written to --metadata-file as JSON, like buildctl's exporter response). */
export type ExporterResponse = Record<string, string | Record<string, unknown>>;
