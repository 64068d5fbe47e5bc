/**
 * Include/exclude patterns of a copy (fsutil IncludePatterns/ExcludePatterns, COPY --exclude, --parents) use the
 * same matcher as .dockerignore (moby/patternmatcher): frontend/dockerfile/dockerignore/matcher.ts. This module
 * only turns a bad pattern into the file op's error.
 */
import { FileOpError } from '../errors.js';
import { IgnorePatternError, PatternMatcher } from '../frontend/dockerfile/dockerignore/index.js';

export { PatternMatcher, type MatchInfo } from '../frontend/dockerfile/dockerignore/index.js';

/** A matcher for copy patterns; undefined when there are none. */
export function copyPatterns(patterns: readonly string[] | undefined, what: 'include' | 'exclude'): PatternMatcher | undefined {
  if (patterns === undefined || patterns.length === 0) return undefined;
  try {
    const m = new PatternMatcher(patterns);
    return m.empty ? undefined : m;
  } catch (e) {
    if (e instanceof IgnorePatternError) throw new FileOpError(`invalid ${what} pattern ${JSON.stringify(e.pattern)}: ${e.message.replace(/^.*\): /, '')}`);
    throw e;
  }
}
