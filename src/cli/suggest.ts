/** Did-you-mean for flag names, keys and types (the shared edit distance counts a swap of neighbours as one edit). */
import { didYouMean } from '../util/did-you-mean.js';

export const suggest = didYouMean;

/** ` (did you mean "x"?)` or nothing. */
export function suggestion(input: string, candidates: readonly string[], quote = '"'): string {
  const guess = didYouMean(input, candidates);
  return guess === undefined ? '' : ` (did you mean ${quote}${guess}${quote}?)`;
}
