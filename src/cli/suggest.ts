/**
 * Did-you-mean for flag names, keys and types: the shared edit-distance guess, plus one swap of adjacent
 * letters ("dets" -> "dest"), which plain edit distance counts as two edits and so misses on short words.
 */
import { didYouMean } from '../util/did-you-mean.js';

export function suggest(input: string, candidates: readonly string[]): string | undefined {
  return didYouMean(input, candidates) ?? candidates.find((c) => isAdjacentSwap(input.toLowerCase(), c.toLowerCase()));
}

function isAdjacentSwap(a: string, b: string): boolean {
  if (a.length !== b.length || a === b) return false;
  let i = 0;
  while (a[i] === b[i]) i++;
  return a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2);
}

/** ` (did you mean "x"?)` or nothing. */
export function suggestion(input: string, candidates: readonly string[], quote = '"'): string {
  const guess = suggest(input, candidates);
  return guess === undefined ? '' : ` (did you mean ${quote}${guess}${quote}?)`;
}
