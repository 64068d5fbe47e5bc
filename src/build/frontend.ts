/**
 * The dockerfile.v0 frontend as the build runs it: read the Dockerfile and .dockerignore from their --local
 * dirs, accept its syntax, resolve base images (shown as "[internal] load metadata for ..."), named contexts,
 * convert to LLB, and report the build checks (warnings after the build; an error under `error=true`).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { BuildError, DockerfileError, FlagError, isErrno } from '../errors.js';
import { convertDockerfile, type ConvertResult } from '../frontend/dockerfile/convert/convert.js';
import { parseNamedContexts } from '../frontend/dockerfile/convert/named-context.js';
import { checkSyntax } from '../frontend/dockerfile/convert/syntax.js';
import { readIgnoreFile } from '../frontend/dockerfile/dockerignore/index.js';
import { lintConfigFor } from '../frontend/dockerfile/lint/config-source.js';
import { warningLine } from '../frontend/dockerfile/lint/format.js';
import { Linter } from '../frontend/dockerfile/lint/linter.js';
import type { ImageConfig } from '../oci/schemas.js';
import type { ProgressSink } from '../progress/types.js';
import { resolveImage } from '../solver/ops/source-image.js';
import { attachOciLayouts, ociLayoutDir, resolveOciLayoutImage } from '../solver/ops/source-oci-layout.js';
import type { Worker } from '../solver/worker.js';
import type { BuildRequest } from './request.js';

export interface FrontendRun {
  readonly result?: ConvertResult;
  /** The conversion error, in check mode (elsewhere it is thrown). */
  readonly error?: unknown;
  readonly linter: Linter;
  readonly source: string;
  readonly file: string;
}

export async function loadDockerfileFrontend(req: BuildRequest, worker: Worker, progress: ProgressSink, created: string): Promise<ConvertResult> {
  const run = await runDockerfileFrontend({ req, worker, progress, created, check: false });
  for (const w of run.linter.warnings) progress.warn(warningLine(w, run.file));
  if (run.error !== undefined) throw run.error;
  const result = run.result!;
  if (result.lintError !== undefined) throw new DockerfileError(result.lintError, { hint: 'the build checks are set to fail the build (check error=true)' });
  return result;
}

/** Read, check and convert. In check mode every stage is converted and a conversion error is returned, not thrown. */
export async function runDockerfileFrontend(o: { req: BuildRequest; worker: Worker; progress: ProgressSink; created: string; check: boolean }): Promise<FrontendRun> {
  const { req, worker, progress } = o;
  const { source, file, dockerfilePath } = await readDockerfile(req, progress);
  const buildArgs = req.frontendOpts.buildArgs;
  const linter = new Linter(lintConfigFor({ source, file, buildArgs }));
  const named = parseNamedContexts(req.frontendOpts.raw);
  for (const [name, spec] of named) {
    if (spec.kind === 'local' && !req.locals.has(spec.name)) {
      throw new FlagError(`named context ${name}=local:${spec.name}: no --local ${spec.name}=DIR was given`);
    }
    if (spec.kind === 'oci-layout' && !req.ociLayouts?.has(spec.store)) {
      throw new FlagError(`named context ${name}=oci-layout://${spec.store}${spec.ref}: no --oci-layout ${spec.store}=DIR was given`);
    }
  }
  attachOciLayouts(worker, req.ociLayouts ?? new Map());
  const ignore = await loadDockerignore(req, dockerfilePath, progress);
  const excludePatterns = ignore?.patterns ?? [];
  if (ignore !== undefined) worker.ignoreFiles.set('context', { file: ignore.file, lines: ignore.lines });

  const resolver = async (ref: string): Promise<{ pinned: string; config: ImageConfig }> => {
    const mv = progress.vertex(`[internal] load metadata for ${ref}`);
    mv.start();
    try {
      const image = await resolveImage(worker, ref);
      mv.done();
      return { pinned: image.ref.toString(), config: image.config };
    } catch (e) {
      mv.error((e as Error).message);
      throw e;
    }
  };
  try {
    checkSyntax({ source, file, buildArgs });
    const result = await convertDockerfile({
      dockerfile: source,
      file,
      ...(req.frontendOpts.target !== undefined ? { target: req.frontendOpts.target } : {}),
      buildArgs,
      excludePatterns,
      resolveImage: resolver,
      created: o.created,
      namedContexts: named,
      resolveOciLayout: async (store, ref) => {
        const r = await resolveOciLayoutImage(ociLayoutDir(worker, store), ref);
        return { digest: r.digest, config: r.config };
      },
      linter,
      allStages: o.check,
    });
    return { result, linter, source, file };
  } catch (e) {
    return { error: e, linter, source, file };
  }
}

async function readDockerfile(req: BuildRequest, progress: ProgressSink): Promise<{ source: string; file: string; dockerfilePath: string }> {
  const dockerfileDir = req.locals.get('dockerfile') ?? req.locals.get('context');
  if (dockerfileDir === undefined) throw new BuildError('BK0010', 'no Dockerfile directory given; pass --local dockerfile=DIR');
  const filename = req.frontendOpts.filename;
  const dockerfilePath = path.resolve(dockerfileDir, filename);
  const v = progress.vertex(`[internal] load build definition from ${path.basename(filename)}`);
  v.start();
  let data: Buffer;
  try {
    data = await readFile(dockerfilePath);
  } catch (e) {
    const msg = isErrno(e, 'ENOENT') ? `failed to read dockerfile: open ${dockerfilePath}: no such file or directory`
      : isErrno(e, 'EISDIR') ? `failed to read dockerfile: ${dockerfilePath} is a directory` : `failed to read dockerfile: ${(e as Error).message}`;
    v.error(msg);
    throw new BuildError('BK0013', msg, { hint: 'check --local dockerfile=DIR and --opt filename=NAME' });
  }
  v.status(`transferring dockerfile: ${data.length}B done`);
  v.done();
  if (data.length === 0) throw new DockerfileError('the Dockerfile cannot be empty', { location: { file: filename, line: 1 } });
  return { source: data.toString('utf8'), file: filename, dockerfilePath };
}

/** `<Dockerfile>.dockerignore` beside the Dockerfile wins over the context's `.dockerignore` (BuildKit). */
async function loadDockerignore(req: BuildRequest, dockerfilePath: string, progress: ProgressSink): Promise<{ patterns: string[]; file: string; lines: number[] } | undefined> {
  const contextDir = req.locals.get('context');
  const candidates = [dockerfilePath + '.dockerignore', ...(contextDir !== undefined ? [path.join(contextDir, '.dockerignore')] : [])];
  for (const file of candidates) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      if (isErrno(e, 'ENOENT')) continue;
      throw e;
    }
    const v = progress.vertex('[internal] load .dockerignore');
    v.start();
    v.status(`transferring context: ${Buffer.byteLength(text)}B done`);
    v.done();
    try {
      const read = readIgnoreFile(text);
      return { patterns: read.map((p) => (p.exclusion ? '!' : '') + p.text), file: path.basename(file), lines: read.map((p) => p.line) };
    } catch (e) {
      throw new DockerfileError(`invalid pattern in ${path.basename(file)}: ${(e as Error).message}`, { location: { file: path.basename(file), line: (e as { line?: number }).line ?? 1 } });
    }
  }
  return undefined;
}
