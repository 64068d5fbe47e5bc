/** File operations (BuildKit LLB FileOp actions) and content checksums for COPY cache keys. */
export type { ChownOpt, CopyAction } from './types.js';
export { copy } from './copy.js';
export { mkdir } from './mkdir.js';
export { mkfile } from './mkfile.js';
export { rm } from './rm.js';
export { checksumPaths, type ChecksumOptions } from './checksum.js';
export { FileChecksumMemo, type ChecksumMemo } from './checksum-memo.js';
export { PatternMatcher, copyPatterns, type MatchInfo } from './patterns.js';
export { goMatch } from './go-match.js';
export { ContextFilter } from './context-filter.js';
