/**
 * The parser's output: a flat list of instructions with their physical line ranges.
 * Shapes mirror BuildKit's parser.Node, flattened: `args` are the values of the argument
 * nodes that BuildKit chains through Node.Next.
 */

/** A heredoc attached to RUN/COPY/ADD. `content` is the raw body (tabs not yet chomped). */
export interface Heredoc {
  name: string;
  content: string;
  /** false when any part of the delimiter word was quoted: the body is used verbatim. */
  expand: boolean;
  /** true for `<<-`: the consumer strips leading tabs (see chompHeredocContent). */
  chomp: boolean;
  /** The number written before `<<` (`3<<EOF`), 0 when absent. */
  fileDescriptor: number;
}

/** A heredoc start as found on an instruction line, before its body is read. */
export type HeredocStart = Omit<Heredoc, 'content'>;

export interface Node {
  /** Lower-case instruction name ('from', 'run', ..., or unknown e.g. 'foo'). */
  keyword: string;
  /** The instruction's text with continuation lines joined (BuildKit's Node.Original). */
  original: string;
  /** Leading `--flag` words, quotes removed, e.g. ['--from=build']. */
  flags: string[];
  /** Argument values in order. */
  args: string[];
  /** true when the args came from a JSON array (exec form). */
  json: boolean;
  /** For ONBUILD: the wrapped instruction. */
  onbuild?: Node;
  /** Heredocs in the order they appear on the line (RUN, COPY, ADD, also inside ONBUILD). */
  heredocs: Heredoc[];
  /** 1-based first physical line. */
  startLine: number;
  /** 1-based last physical line, including heredoc bodies. */
  endLine: number;
}

/** A parser directive from the leading comment block (`# escape=`, `# syntax=`, `# check=`). */
export interface Directive {
  /** Lower-case name. */
  name: string;
  value: string;
  /** 1-based physical line. */
  line: number;
}

export interface ParseWarning {
  message: string;
  line: number;
}

export interface ParseResult {
  nodes: Node[];
  directives: Directive[];
  /** '\\' or '`'. */
  escapeToken: string;
  warnings: ParseWarning[];
  /** First line of the first instruction. */
  startLine: number;
  /** Last line of the last instruction. */
  endLine: number;
}
