/** What a vertex produces: a stack of layers (a snapshot), or a host directory handed in with --local. */
import type { Layer } from '../cache/layer-store.js';

export interface SnapshotResult {
  readonly kind: 'snapshot';
  /** Bottom to top; an empty list is scratch. */
  readonly layers: readonly Layer[];
}

export interface LocalResult {
  readonly kind: 'local';
  readonly name: string;
  /** The host directory, read in place (never copied). */
  readonly dir: string;
  /** .dockerignore-style patterns, relative to dir, of what the source does not expose. */
  readonly excludePatterns: readonly string[];
  /** The file the patterns came from (".dockerignore") and each pattern's line in it, for error messages. */
  readonly ignoreFile?: string;
  readonly excludeLines?: readonly number[];
}

export type Result = SnapshotResult | LocalResult;

export const SCRATCH: SnapshotResult = { kind: 'snapshot', layers: [] };

export function expectSnapshot(r: Result, what: string): SnapshotResult {
  if (r.kind !== 'snapshot') throw new Error(`${what}: expected a snapshot, got local source ${r.name}`);
  return r;
}
