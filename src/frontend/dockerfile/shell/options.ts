/** Lexer switches, named as BuildKit's Lex fields (RawQuotes, RawEscapes, SkipUnsetEnv, SkipProcessQuotes). */
export interface LexOptions {
  /** Escape character: `\` (default) or `` ` `` (from the `# escape=` directive). */
  escapeToken?: '\\' | '`';
  /** Keep quote characters in the output (still honouring their meaning). */
  rawQuotes?: boolean;
  /** Keep escape characters in the output. */
  rawEscapes?: boolean;
  /** Leave references to unset variables as written (`$X`, `${X:-y}`) instead of expanding. */
  skipUnsetEnv?: boolean;
  /** Treat quotes as ordinary characters. */
  skipProcessQuotes?: boolean;
}
