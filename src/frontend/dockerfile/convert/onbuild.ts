/**
 * ONBUILD triggers (BuildKit initOnBuildTriggers): when a stage's base is an image whose config has OnBuild, or
 * another stage that declared ONBUILD, each trigger is parsed as one instruction and dispatched first in the
 * child stage. A trigger's errors point at the child's FROM line, as BuildKit's do.
 */
import { DockerfileError, type SourceLocation } from '../../../errors.js';
import { parseCommand } from '../instructions/parse-command.js';
import type { StageCommand } from '../instructions/types.js';
import { parseDockerfile } from '../parser/index.js';

export function parseTriggers(triggers: readonly string[], o: { file: string; from: SourceLocation }): StageCommand[] {
  return triggers.map((trigger) => {
    let ast;
    try {
      ast = parseDockerfile(trigger, { file: o.file });
    } catch (e) {
      throw e instanceof DockerfileError ? new DockerfileError(`ONBUILD ${trigger}: ${e.message}`, { location: o.from }) : e;
    }
    if (ast.nodes.length !== 1) throw new DockerfileError('onbuild trigger should be a single expression', { location: o.from });
    const node = { ...ast.nodes[0]!, startLine: o.from.line, endLine: o.from.line };
    let cmd;
    try {
      cmd = parseCommand(node, o.file);
    } catch (e) {
      throw e instanceof DockerfileError ? new DockerfileError(e.message, { location: o.from }) : e;
    }
    if (cmd.kind === 'from') throw new DockerfileError("FROM isn't allowed as an ONBUILD trigger", { location: o.from });
    return { ...cmd, location: o.from } as StageCommand;
  });
}
