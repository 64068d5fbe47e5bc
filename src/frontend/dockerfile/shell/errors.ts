/**
 * A word could not be expanded. `message` follows BuildKit: `failed to process "WORD": REASON`;
 * `reason` is the part after the colon (e.g. `VAR: is not allowed to be unset`,
 * `syntax error: bad substitution`). Callers add the Dockerfile location by wrapping this in a
 * DockerfileError; this class stays location-free because the lexer never sees line numbers.
 */
export class ShellExpansionError extends Error {
  readonly word: string;
  readonly reason: string;
  constructor(word: string, reason: string) {
    super(`failed to process ${JSON.stringify(word)}: ${reason}`);
    this.name = 'ShellExpansionError';
    this.word = word;
    this.reason = reason;
  }
}

/** Internal: thrown while scanning, turned into ShellExpansionError with the whole word at the top. */
export class LexFailure extends Error {}
