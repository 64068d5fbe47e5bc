/**
 * The `# syntax=` directive (and `--opt build-arg:BUILDKIT_SYNTAX=`, which wins over it). BuildKit would pull
 * that frontend image and run it as a gateway. This tool has one frontend built in, BuildKit's Dockerfile
 * frontend: a `docker/dockerfile` (or `docker/dockerfile-upstream`) reference of any tag or digest is accepted
 * and built by it, without a download. Any other frontend image is refused: a custom frontend may define its
 * own syntax and semantics, and building such a file with the built-in frontend would silently produce
 * something else than what its author meant, so an error with the reason is what a user needs.
 */
import { DockerfileError, type SourceLocation } from '../../../errors.js';
import { detectSyntax } from '../parser/index.js';

const BUILT_IN = /^(?:(?:docker\.io|index\.docker\.io|registry-1\.docker\.io)\/)?docker\/dockerfile(?:-upstream)?(?::[\w][\w.-]*)?(?:@sha256:[a-f0-9]{64})?$/;

export const SYNTAX_BUILD_ARG = 'BUILDKIT_SYNTAX';

export function isBuiltInSyntax(ref: string): boolean {
  return BUILT_IN.test(ref.trim());
}

/** Throws for a frontend image other than docker/dockerfile; returns the accepted reference, if any. */
export function checkSyntax(o: { source: string | Buffer; file: string; buildArgs: ReadonlyMap<string, string> }): string | undefined {
  const fromArg = o.buildArgs.get(SYNTAX_BUILD_ARG);
  let ref: string;
  let location: SourceLocation | undefined;
  if (fromArg !== undefined && fromArg !== '') {
    ref = fromArg.split(/\s/, 1)[0]!;
  } else {
    const d = detectSyntax(o.source);
    if (!d) return undefined;
    ref = d.ref;
    location = { file: o.file, line: d.line, text: `# syntax=${d.cmdline}` };
  }
  if (isBuiltInSyntax(ref)) return ref;
  throw new DockerfileError(`unsupported Dockerfile frontend ${ref}: only docker/dockerfile syntaxes are built in; other frontend images (gateway frontends) are not run`, {
    ...(location ? { location } : {}),
    hint: 'remove the syntax line, or use # syntax=docker/dockerfile:1',
  });
}
