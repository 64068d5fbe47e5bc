import { goTrimSpace } from '../shell/chars.js';
import { cleanPath } from './clean-path.js';

/** One pattern from a .dockerignore file. `text` is cleaned and has no `!`; `exclusion` records the `!`. */
export interface IgnorePattern {
  text: string;
  /** 1-based line in the ignore file (for patterns given as strings: 1-based position in the list). */
  line: number;
  /** A `!` exception: re-includes what earlier patterns excluded. */
  exclusion: boolean;
}

/**
 * Read a .dockerignore file as moby/patternmatcher's ignorefile.ReadAll does: a UTF-8 BOM on the
 * first line is dropped; a line starting with `#` in column 1 is a comment; other lines are
 * trimmed and skipped when empty; a leading `!` is split off and the rest trimmed again, cleaned
 * (path.Clean) and stripped of one leading `/`. A lone `!` is kept (text "") so the matcher can
 * reject it with its line number.
 */
export function readIgnoreFile(text: string): IgnorePattern[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const out: IgnorePattern[] = [];
  lines.forEach((raw, i) => {
    let line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (i === 0 && line.startsWith('\uFEFF')) line = line.slice(1);
    if (line.startsWith('#')) return;
    let pattern = goTrimSpace(line);
    if (pattern === '') return;
    const exclusion = pattern.startsWith('!');
    if (exclusion) pattern = goTrimSpace(pattern.slice(1));
    if (pattern.length > 0) {
      pattern = cleanPath(pattern);
      if (pattern.length > 1 && pattern.startsWith('/')) pattern = pattern.slice(1);
    }
    out.push({ text: pattern, line: i + 1, exclusion });
  });
  return out;
}

/** The pattern as patternmatcher writes it: `!` put back for exceptions. */
export function patternString(p: IgnorePattern): string {
  return (p.exclusion ? '!' : '') + p.text;
}
