/**
 * LLB: typed build operations forming a DAG. An op refers to its inputs by (producer digest, output index);
 * its own digest is the canonical digest of the op (see canonical.ts), so identical ops collapse into one vertex.
 * Shapes follow BuildKit's solver/pb (SourceOp, ExecOp, FileOp, MergeOp, DiffOp), trimmed to what we execute.
 */
import type { Canonical } from './canonical.js';

/** Reference to one output of another op. */
export interface OpInput { readonly digest: string; readonly index: number }

export interface Platform { readonly os: string; readonly architecture: string; readonly variant?: string }

export interface SourceOp {
  readonly kind: 'source';
  /** `docker-image://REF` (REF pinned with @sha256 once resolved) or `local://NAME`. */
  readonly identifier: string;
  /** e.g. local: includepatterns/excludepatterns/followpaths (JSON arrays as strings), sharedkeyhint. */
  readonly attrs: Readonly<Record<string, string>>;
}

export type MountType = 'bind' | 'cache' | 'tmpfs' | 'secret' | 'ssh';
export type CacheSharing = 'shared' | 'private' | 'locked';

export interface ExecMount {
  /** Index into the op's inputs, or -1 for scratch (an empty dir). */
  readonly input: number;
  /** Path inside the input to mount (bind only). */
  readonly selector?: string;
  readonly dest: string;
  /** Output index this mount's changes become, or -1 when they are discarded. */
  readonly output: number;
  readonly readonly: boolean;
  readonly type: MountType;
  readonly cacheId?: string;
  readonly cacheSharing?: CacheSharing;
  readonly secretId?: string;
  readonly sshId?: string;
  readonly tmpfsSize?: number;
  readonly optional?: boolean;
  /** secret/ssh: the file or socket's mode, owner and group; cache: the new cache dir's (BuildKit seeds it by a mkdir). */
  readonly mode?: number;
  readonly uid?: number;
  readonly gid?: number;
}

/** A secret exposed as an environment variable of the process (BuildKit's ExecOp.secretenv). */
export interface SecretEnv {
  readonly id: string;
  readonly name: string;
  readonly optional: boolean;
}

export interface ExecMeta {
  readonly args: readonly string[];
  readonly env: readonly string[];
  readonly cwd: string;
  readonly user: string;
  readonly hostname?: string;
}

export interface ExecOp {
  readonly kind: 'exec';
  readonly meta: ExecMeta;
  readonly mounts: readonly ExecMount[];
  readonly network: 'default' | 'host' | 'none';
  readonly security: 'sandbox' | 'insecure';
  readonly secretEnv?: readonly SecretEnv[];
}

/**
 * Owner for created files as written in the Dockerfile ("1000", "app", "app:staff", "1000:1000"), after
 * expansion. Names are resolved against the destination's /etc/passwd and /etc/group when the op runs.
 */
export type ChownSpec = string;

export interface FileCopy {
  readonly type: 'copy';
  readonly src: string;
  readonly dest: string;
  readonly followSymlinks: boolean;
  readonly dirCopyContents: boolean;
  readonly createDestPath: boolean;
  readonly allowWildcard: boolean;
  readonly allowEmptyWildcard: boolean;
  readonly chown?: ChownSpec;
  readonly mode?: number;
  /** Symbolic --chmod (BuildKit FileActionCopy.modeStr), e.g. "u+x,go-w". */
  readonly modeStr?: string;
  /** ADD of local files: extract a source that is a tar archive (BuildKit attemptUnpackDockerCompatibility). */
  readonly attemptUnpack?: boolean;
  /** Source paths that must exist even when src is a parent with include patterns (COPY --parents). */
  readonly requiredPaths?: readonly string[];
  readonly includePatterns?: readonly string[];
  readonly excludePatterns?: readonly string[];
  readonly timestamp?: number;
}
export interface FileMkdir { readonly type: 'mkdir'; readonly path: string; readonly mode: number; readonly makeParents: boolean; readonly chown?: ChownSpec; readonly timestamp?: number }
export interface FileMkfile { readonly type: 'mkfile'; readonly path: string; readonly mode: number; readonly data: string /* base64 */; readonly chown?: ChownSpec; readonly timestamp?: number }
export interface FileRm { readonly type: 'rm'; readonly path: string; readonly allowNotFound: boolean; readonly allowWildcard: boolean }

export interface FileAction {
  /** The tree acted on: an index into the op's inputs, -1 for scratch, or inputs.length + k for action k's output. */
  readonly input: number;
  /** Copy only: where files are read from (same numbering as input). */
  readonly secondaryInput: number;
  /** Output index of this action's result, or -1 if it only feeds a later action. */
  readonly output: number;
  readonly action: FileCopy | FileMkdir | FileMkfile | FileRm;
}

export interface FileOp { readonly kind: 'file'; readonly actions: readonly FileAction[] }
/** Layers of all inputs stacked in order (BuildKit MergeOp). */
export interface MergeOp { readonly kind: 'merge' }
/** The changes from input 0 (lower, may be -1 = scratch) to input 1 (upper) (BuildKit DiffOp). */
export interface DiffOp { readonly kind: 'diff'; readonly lower: number; readonly upper: number }

export type OpBody = SourceOp | ExecOp | FileOp | MergeOp | DiffOp;

export interface Op {
  readonly inputs: readonly OpInput[];
  readonly platform?: Platform;
  readonly op: OpBody;
}

/** Per-vertex metadata: NOT part of the digest (like BuildKit's OpMetadata). */
export interface OpMetadata {
  /** Display name, e.g. "[stage-1 2/3] RUN make". */
  readonly description?: string;
  readonly ignoreCache?: boolean;
  /** Dockerfile location, for errors. */
  readonly location?: { readonly file: string; readonly line: number; readonly text?: string };
}

/** Ops are plain data so they encode canonically. */
export function opAsCanonical(op: Op): Canonical {
  return op as unknown as Canonical;
}
