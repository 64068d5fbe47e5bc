/** The parse tree -> a program: global ARGs and stages, with the structural rules BuildKit enforces. */
import { DockerfileError } from '../../../errors.js';
import type { ParseResult } from '../parser/index.js';
import { parseCommand } from './parse-command.js';
import type { ArgCmd, DockerfileProgram, FromCmd, Stage, StageCommand } from './types.js';

export function buildProgram(ast: ParseResult, file: string): DockerfileProgram {
  const metaArgs: ArgCmd[] = [];
  const stages: { from: FromCmd; commands: StageCommand[] }[] = [];
  for (const node of ast.nodes) {
    const cmd = parseCommand(node, file);
    if (cmd.kind === 'from') {
      stages.push({ from: cmd, commands: [] });
      continue;
    }
    const current = stages[stages.length - 1];
    if (!current) {
      if (cmd.kind === 'arg') { metaArgs.push(cmd); continue; }
      throw new DockerfileError('no build stage in current context', { location: cmd.location });
    }
    current.commands.push(cmd);
  }
  if (stages.length === 0) throw new DockerfileError('the Dockerfile has no FROM instruction', { location: { file, line: ast.startLine } });
  const seen = new Map<string, FromCmd>();
  const result: Stage[] = stages.map((s, index) => {
    const name = s.from.stageName;
    if (name !== undefined) {
      if (seen.has(name)) throw new DockerfileError(`duplicate stage name "${name}"`, { location: s.from.location });
      seen.set(name, s.from);
    }
    return { index, ...(name !== undefined ? { name } : {}), from: s.from, commands: s.commands };
  });
  return { metaArgs, stages: result };
}
