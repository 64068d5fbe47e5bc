/**
 * What each COPY/ADD source is (BuildKit convert_copy.go): a heredoc (`<<EOF`, resolved by the parser), a git
 * ref, an HTTP(S) URL, or a path in the source state; and, for a path, what `--parents` makes of it.
 */
import path from 'node:path';
import { parseGitRef } from '../../../remote/git-ref.js';

/** BuildKit's isGitSource (dfgitutil.ParseGitRef, src/remote/git-ref.ts); a git URL with a bad query still counts as git. */
export function isGitSource(src: string): boolean {
  try {
    return parseGitRef(src) !== undefined;
  } catch {
    return true;
  }
}

/** BuildKit's isHTTPSource: http(s):// that is not a git repo. */
export function isHttpSource(src: string): boolean {
  return /^https?:\/\//.test(src) && !isGitSource(src);
}

export function containsWildcards(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const ch = name[i];
    if (ch === '\\') i++;
    else if (ch === '*' || ch === '?' || ch === '[') return true;
  }
  return false;
}

/** A local source path as the copy action reads it. */
export interface LocalSource {
  /** Absolute, clean path in the source state (may hold wildcards). */
  src: string;
  /** --parents: the path below src to keep, as an include pattern. */
  includePatterns?: string[];
  /** --parents without wildcards: the path must exist (the include pattern alone would match nothing silently). */
  requiredPaths?: string[];
}

/**
 * `--parents`: the part before a `/./` pivot is where the copy starts, the rest (or the whole path) is kept below
 * dest. `COPY --parents ./a/b/c.txt /d/` gives /d/a/b/c.txt; `COPY --parents ./a/./b/c.txt /d/` gives /d/b/c.txt.
 */
export function localSource(raw: string, parents: boolean): LocalSource {
  if (!parents) return { src: normalize(raw) };
  const pivot = raw.indexOf('/./');
  const base = pivot < 0 ? '/' : raw.slice(0, pivot);
  const pattern = normalize(pivot < 0 ? raw : raw.slice(pivot + 3));
  const out: LocalSource = { src: normalize(base), includePatterns: [pattern.replace(/^\//, '')] };
  if (!containsWildcards(base) && !containsWildcards(pattern)) out.requiredPaths = [path.posix.join(normalize(base), pattern)];
  return out;
}

/** system.NormalizePath("/", p, false): absolute and clean, no trailing slash. */
function normalize(p: string): string {
  return path.posix.join('/', p).replace(/(.)\/+$/, '$1');
}
