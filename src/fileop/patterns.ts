/**
 * .dockerignore-style include/exclude patterns as fsutil applies them to a copy (moby/patternmatcher):
 * patterns are cleaned, `!` negates, `**` crosses directories, and a pattern that matches a parent
 * directory matches everything below it. Paths are slash-separated and relative to the copy source.
 */
import path from 'node:path';
import { FileOpError } from '../errors.js';
import { BadPatternError, checkPattern } from './go-match.js';

interface Pattern {
  exclusion: boolean;
  cleaned: string;
  test: (p: string) => boolean;
}

/** Per-pattern results of a directory, handed to its children (patternmatcher.MatchInfo). */
export type MatchInfo = readonly boolean[];

export class PatternMatcher {
  private readonly patterns: Pattern[] = [];
  /** True when some pattern starts with '!' (a child of an excluded dir may be re-included). */
  readonly hasExclusions: boolean;

  constructor(patterns: readonly string[]) {
    let exclusions = false;
    for (const raw of patterns) {
      let p = raw.trim();
      if (p === '') continue;
      p = path.posix.normalize(p);
      if (p.length > 1 && p.endsWith('/')) p = p.slice(0, -1);
      let exclusion = false;
      if (p.startsWith('!')) {
        if (p.length === 1) throw new FileOpError('illegal exclusion pattern: "!"');
        exclusion = true;
        exclusions = true;
        p = p.slice(1);
      }
      try { checkPattern(p); } catch (e) {
        if (e instanceof BadPatternError) throw new FileOpError(`invalid pattern ${JSON.stringify(raw)}: ${e.message}`);
        throw e;
      }
      this.patterns.push({ exclusion, cleaned: p, test: compile(p) });
    }
    this.hasExclusions = exclusions;
  }

  get empty(): boolean { return this.patterns.length === 0; }

  /**
   * Does `file` match (patternmatcher.MatchesUsingParentResults)? `parent` is the MatchInfo returned for
   * the parent directory, or undefined at the top, where parent directories are checked explicitly.
   */
  matches(file: string, parent: MatchInfo | undefined): { matched: boolean; info: MatchInfo } {
    let matched = false;
    const info: boolean[] = new Array<boolean>(this.patterns.length).fill(false);
    this.patterns.forEach((pat, i) => {
      let m = parent !== undefined && parent.length > 0 ? parent[i]! : false;
      if (!m) {
        if (pat.exclusion !== matched) return;
        m = pat.test(file);
        if (!m && (parent === undefined || parent.length === 0)) {
          const dir = path.posix.dirname(file);
          if (dir !== '.') {
            const parts = dir.split('/');
            for (let k = 1; k <= parts.length && !m; k++) m = pat.test(parts.slice(0, k).join('/'));
          }
        }
      }
      info[i] = m;
      if (m) matched = !pat.exclusion;
    });
    return { matched, info };
  }
}

const ESCAPE = new Set(['.', '+', '(', ')', '|', '{', '}', '$']);

/** patternmatcher's compile: exact, prefix (`a/**`), suffix (`**\/a`) or a regexp. */
function compile(pattern: string): (p: string) => boolean {
  const chars = Array.from(pattern);
  let re = '^';
  let kind: 'exact' | 'prefix' | 'suffix' | 'regexp' = 'exact';
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!;
    const first = i === 0;
    if (ch === '*') {
      if (chars[i + 1] === '*') {
        i++;
        if (chars[i + 1] === '/') i++;
        if (i + 1 >= chars.length) {
          if (kind === 'exact') kind = 'prefix';
          else { re += '.*'; kind = 'regexp'; }
        } else { re += '(.*/)?'; kind = 'regexp'; }
        if (first) kind = 'suffix';
      } else { re += '[^/]*'; kind = 'regexp'; }
    } else if (ch === '?') { re += '[^/]'; kind = 'regexp'; }
    else if (ESCAPE.has(ch)) re += '\\' + ch;
    else if (ch === '\\') {
      if (i + 1 < chars.length) { re += literal(chars[++i]!); kind = 'regexp'; } else re += '\\\\';
    } else if (ch === '[') {
      re += '[';
      if (chars[i + 1] === '^') { re += '^'; i++; }
      kind = 'regexp';
    } else if (ch === ']') { re += ch; kind = 'regexp'; }
    else re += literal(ch);
  }
  switch (kind) {
    case 'exact': return (p) => p === pattern;
    case 'prefix': { const pre = pattern.slice(0, -2); return (p) => p.startsWith(pre); }
    case 'suffix': {
      const suffix = pattern.slice(2);
      return (p) => p.endsWith(suffix) || (suffix.startsWith('/') && p === suffix.slice(1));
    }
    case 'regexp': {
      let rx: RegExp;
      try { rx = new RegExp(re + '$', 'u'); } catch { throw new FileOpError(`invalid pattern ${JSON.stringify(pattern)}`); }
      return (p) => rx.test(p);
    }
  }
}

function literal(ch: string): string {
  return /[\w/\- ]/u.test(ch) ? ch : `\\u{${ch.codePointAt(0)!.toString(16)}}`;
}
