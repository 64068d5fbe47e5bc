/**
 * What a --local source hides: its .dockerignore patterns, matched against paths relative to the source root
 * (moby/patternmatcher semantics, incl. `!` exceptions). The context is read in place, so every reader (copy,
 * checksum, wildcard expansion) asks this filter instead of seeing a filtered copy.
 */
import path from 'node:path';
import { FileOpError } from '../errors.js';
import { PatternMatcher } from '../frontend/dockerfile/dockerignore/index.js';

/** Where the patterns came from, so "not found" can name the ignore file line that hid a path. */
export interface IgnoreOrigin {
  /** e.g. ".dockerignore" or "Dockerfile.dockerignore". */
  file?: string | undefined;
  /** 1-based line of each pattern in that file, parallel to the patterns. */
  lines?: readonly number[] | undefined;
}

/** The pattern that hid a path. */
export interface HiddenBy { text: string; line?: number; file?: string }

export class ContextFilter {
  private readonly matcher: PatternMatcher;
  constructor(private readonly root: string, patterns: readonly string[], private readonly origin: IgnoreOrigin = {}) {
    this.matcher = new PatternMatcher(patterns);
  }

  private rel(host: string): string {
    return path.relative(this.root, host).split(path.sep).join('/');
  }

  /** True when the host path (inside root) is excluded. The root itself is never excluded. */
  hidden(host: string): boolean {
    const rel = this.rel(host);
    return rel !== '' && this.matcher.matches(rel);
  }

  /** True when nothing below this excluded dir can be re-included by an exception. */
  canSkipDir(host: string): boolean {
    const rel = this.rel(host);
    return rel !== '' && this.matcher.canSkipDir(rel);
  }

  /** The pattern that excluded a path (with its ignore-file line when the origin is known). */
  excludedBy(host: string): HiddenBy | undefined {
    const r = this.matcher.match(this.rel(host));
    if (!r.excluded || r.by === undefined) return undefined;
    // Patterns given as strings are numbered by list position: map that to the file's line.
    const line = this.origin.lines?.[r.by.line - 1];
    return {
      text: (r.by.exclusion ? '!' : '') + r.by.text,
      ...(line !== undefined ? { line } : {}),
      ...(this.origin.file !== undefined ? { file: this.origin.file } : {}),
    };
  }
}

/** "not found", naming the .dockerignore pattern (and its file:line, when known) that hid the path. */
export function hiddenError(shown: string, filter: ContextFilter, host: string): FileOpError {
  const by = filter.excludedBy(host);
  const where = by === undefined ? '' : by.line !== undefined ? ` (${by.file ?? '.dockerignore'}:${by.line}: ${by.text})` : ` (pattern "${by.text}")`;
  return new FileOpError(`${JSON.stringify(shown)}: not found: excluded by .dockerignore${where}`);
}
