/**
 * Where the check configuration comes from, as BuildKit decides: `--opt build-arg:BUILDKIT_DOCKERFILE_CHECK=...`
 * wins over the Dockerfile's `# check=...` directive; neither means every non-experimental rule, as warnings.
 */
import { DockerfileError, FlagError } from '../../../errors.js';
import { parseCheckDirective } from '../parser/index.js';
import { DEFAULT_LINT_CONFIG, LintConfigError, parseLintConfig, type LintConfig } from './linter.js';

export const CHECK_BUILD_ARG = 'BUILDKIT_DOCKERFILE_CHECK';

export function lintConfigFromDirective(source: string | Buffer, file = 'Dockerfile'): LintConfig {
  const d = parseCheckDirective(source);
  if (!d) return DEFAULT_LINT_CONFIG;
  try {
    return parseLintConfig(d.cmdline);
  } catch (e) {
    if (e instanceof LintConfigError) {
      throw new DockerfileError(`failed to parse check options: ${e.message}`, { location: { file, line: d.line, text: `# check=${d.cmdline}` } });
    }
    throw e;
  }
}

/** The config for a build: the build-arg when given, else the directive. */
export function lintConfigFor(o: { source: string | Buffer; file: string; buildArgs: ReadonlyMap<string, string> }): LintConfig {
  const v = o.buildArgs.get(CHECK_BUILD_ARG);
  if (v === undefined) return lintConfigFromDirective(o.source, o.file);
  try {
    return parseLintConfig(v);
  } catch (e) {
    if (e instanceof LintConfigError) throw new FlagError(`failed to parse build-arg:${CHECK_BUILD_ARG}: ${e.message}`);
    throw e;
  }
}
