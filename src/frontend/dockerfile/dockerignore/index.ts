/** .dockerignore reading and matching (moby/patternmatcher semantics). */
export { readIgnoreFile, patternString, type IgnorePattern } from './read.js';
export { PatternMatcher, IgnorePatternError, type MatchResult, type MatchInfo } from './matcher.js';
export { cleanPath } from './clean-path.js';
