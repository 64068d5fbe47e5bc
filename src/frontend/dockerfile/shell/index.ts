/**
 * Shell-word expansion for Dockerfile instructions (BuildKit frontend/dockerfile/shell).
 * One ShellLex per escape-token/options combination; methods are pure and reentrant.
 */
import type { EnvLookup } from './env.js';
import { processWord, type ProcessResult } from './lex.js';
import type { LexOptions } from './options.js';

export { envFromList, envFromMap, envFromRecord, type EnvLookup } from './env.js';
export { ShellExpansionError } from './errors.js';
export type { LexOptions } from './options.js';

export class ShellLex {
  private readonly opts: Required<LexOptions>;

  constructor(opts: LexOptions = {}) {
    this.opts = {
      escapeToken: opts.escapeToken ?? '\\',
      rawQuotes: opts.rawQuotes ?? false,
      rawEscapes: opts.rawEscapes ?? false,
      skipUnsetEnv: opts.skipUnsetEnv ?? false,
      skipProcessQuotes: opts.skipProcessQuotes ?? false,
    };
  }

  /** Expand `word` as one word: quotes removed, escapes applied, no splitting. Throws ShellExpansionError. */
  processWord(word: string, env: EnvLookup): string {
    return this.process(word, env).result;
  }

  /** Expand and split into words like a POSIX shell (unquoted expansion results split on whitespace). */
  processWords(word: string, env: EnvLookup): string[] {
    return this.process(word, env).words;
  }

  /** processWord plus the variables referenced: `matched` were set, `unmatched` were not (UndefinedVar lint). */
  processWordWithMatches(word: string, env: EnvLookup): { result: string; matched: Set<string>; unmatched: Set<string> } {
    const { result, matched, unmatched } = this.process(word, env);
    return { result, matched, unmatched };
  }

  private process(word: string, env: EnvLookup): ProcessResult {
    return processWord(word, env, this.opts);
  }
}
