/**
 * Options of the file actions, mirroring BuildKit's LLB FileOp actions (solver/pb/ops.proto:
 * FileActionCopy, FileActionMkDir, FileActionMkFile, FileActionRm). Paths are container paths resolved
 * inside a root directory; ids are numeric (names are resolved by the caller).
 */
export interface ChownOpt { uid: number; gid: number }

export interface CopyAction {
  /** Path in srcRoot; may contain wildcards (Go filepath.Match syntax) when allowWildcard. */
  src: string;
  /** Absolute container path in destRoot; a trailing '/' means "into this directory" (created if missing). */
  dest: string;
  /** Follow a symlink named as src (symlinks inside a copied tree are always copied as links). */
  followSymlinks: boolean;
  /** Copy the contents of a src directory, not the directory itself (Dockerfile COPY: true). */
  dirCopyContents: boolean;
  /** Create missing parent directories of dest; when false the parent of dest must exist. */
  createDestPath: boolean;
  allowWildcard: boolean;
  /** A wildcard matching nothing is not an error. */
  allowEmptyWildcard: boolean;
  /** Owner of everything copied and of directories the copy creates. Default: keep source owners. */
  chown?: ChownOpt;
  /** --chmod: replaces the permission bits (0o7777) of copied files and directories, and gives created parents their mode. */
  mode?: number;
  /** --chmod in symbolic form (`u+x,g-w`, BuildKit's ModeStr); mode wins when both are set. */
  modeStr?: string;
  /** ADD: a source file that is a (compressed) tar archive is extracted into dest instead of copied. */
  attemptUnpack?: boolean;
  /** Paths (in the source) that must exist, e.g. `COPY --parents a/b /d` names a/b even though it copies "/" with an include pattern. */
  requiredPaths?: string[];
  /** fsutil include/exclude patterns (.dockerignore syntax), relative to src. */
  includePatterns?: string[];
  excludePatterns?: string[];
  /** Replace an existing dest entry of another type (a dir replaces a file or symlink and vice versa). */
  alwaysReplaceExistingDestPaths?: boolean;
  /** Set atime and mtime (seconds since the epoch) of everything written, instead of the source times. */
  timestamp?: number;
}
