/**
 * What a --local source hides: its .dockerignore patterns, matched against paths relative to the source root
 * (moby/patternmatcher semantics, incl. `!` exceptions). The context is read in place, so every reader (copy,
 * checksum, wildcard expansion) asks this filter instead of seeing a filtered copy.
 */
import path from 'node:path';
import { PatternMatcher } from '../frontend/dockerfile/dockerignore/index.js';

export class ContextFilter {
  private readonly matcher: PatternMatcher;
  constructor(private readonly root: string, patterns: readonly string[]) {
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

  /** The pattern that excluded a path, for "excluded by .dockerignore" hints. */
  excludedBy(host: string): string | undefined {
    const r = this.matcher.match(this.rel(host));
    return r.excluded ? r.by?.text : undefined;
  }
}
