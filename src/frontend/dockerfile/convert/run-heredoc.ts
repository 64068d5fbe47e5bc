/**
 * RUN with heredocs, as BuildKit's dispatchRun (dockerfile2llb/convert.go):
 * - `RUN <<EOF` alone (the whole command is one heredoc word): the body is the script. With a `#!` first line it
 *   is written (mode 0755) to a file mounted read-only at /dev/pipes/NAME and that path is run through the shell;
 *   otherwise the body itself is the shell's command string. `<<-` strips leading tabs; quoting the delimiter
 *   changes nothing here (the shell expands at run time, as in BuildKit).
 * - anything else (`RUN <<A cat >/a && <<B cat >/b`, `RUN python3 <<EOF`, `3<<EOF`): the instruction is
 *   reassembled as the shell would have read it (line, then each body followed by its delimiter) and handed to
 *   the shell, which does the redirections, the tab stripping and (for unquoted delimiters) the expansion.
 * Heredocs never appear in the exec form (the parser only looks for them in the shell form).
 */
import { DockerfileError, type SourceLocation } from '../../../errors.js';
import type { ExecMount, OpInput } from '../../../llb/ops.js';
import { chompHeredocContent, parseHeredocDelimiter, type Heredoc } from '../parser/index.js';
import type { ConvertContext } from './stage-state.js';

export interface RunHeredocResult {
  /** The command before the shell is prepended (one string). */
  readonly command: string;
  /** Progress name suffix, e.g. " (echo hi...)". */
  readonly summary: string;
  /** The shebang script's mount (its input is appended to `inputs`). */
  readonly mount?: ExecMount;
}

export const PIPES_DIR = '/dev/pipes';

export function runHeredoc(o: {
  ctx: ConvertContext; args: readonly string[]; prependShell: boolean; heredocs: readonly Heredoc[]; inputs: OpInput[]; location: SourceLocation;
}): RunHeredocResult {
  const { args, heredocs } = o;
  if (args.length !== 1 || !o.prependShell) {
    throw new DockerfileError(`parsing produced an invalid run command: [${args.join(' ')}]`, { location: o.location });
  }
  const line = args[0]!;
  const first = heredocs[0]!;
  if (parseHeredocDelimiter(line) === undefined) {
    return { command: line + heredocs.map((h) => `\n${h.content}${h.name}`).join(''), summary: '' };
  }
  const data = first.chomp ? chompHeredocContent(first.content) : first.content;
  const summary = ` (${summarizeHeredoc(first.content)})`;
  if (!first.content.startsWith('#!')) return { command: data, summary };
  const file = o.ctx.graph.add(
    { inputs: [], op: { kind: 'file', actions: [{ input: -1, secondaryInput: -1, output: 0, action: { type: 'mkfile', path: `/${first.name}`, mode: 0o755, data: Buffer.from(data).toString('base64') } }] } },
    { description: '[internal] preparing inline document' },
  );
  o.inputs.push({ digest: file, index: 0 });
  const mount: ExecMount = { input: o.inputs.length - 1, dest: PIPES_DIR, output: -1, readonly: true, type: 'bind' };
  return { command: `${PIPES_DIR}/${first.name}`, summary, mount };
}

/** BuildKit's summarizeHeredoc: the first line of the trimmed body, "..." when there are more. */
export function summarizeHeredoc(doc: string): string {
  const lines = doc.trim().replace(/\r\n/g, '\n').split('\n');
  return lines.length > 1 ? `${lines[0]}...` : lines[0]!;
}
