/**
 * The dockerfile.v0 frontend as the build runs it: read the Dockerfile and .dockerignore from their --local
 * dirs, resolve base images (shown as "[internal] load metadata for ..."), convert to LLB.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { BuildError, DockerfileError, isErrno } from '../errors.js';
import { convertDockerfile, type ConvertResult } from '../frontend/dockerfile/convert/convert.js';
import { readIgnoreFile } from '../frontend/dockerfile/dockerignore/index.js';
import type { ProgressSink } from '../progress/types.js';
import { resolveImage } from '../solver/ops/source-image.js';
import type { Worker } from '../solver/worker.js';
import type { BuildRequest } from './request.js';

export async function loadDockerfileFrontend(req: BuildRequest, worker: Worker, progress: ProgressSink, created: string): Promise<ConvertResult> {
  const dockerfileDir = req.locals.get('dockerfile') ?? req.locals.get('context');
  if (dockerfileDir === undefined) throw new BuildError('BK0010', 'no Dockerfile directory given; pass --local dockerfile=DIR');
  const filename = req.frontendOpts.filename;
  const dockerfilePath = path.resolve(dockerfileDir, filename);

  const v = progress.vertex(`[internal] load build definition from ${path.basename(filename)}`);
  v.start();
  let source: Buffer;
  try {
    source = await readFile(dockerfilePath);
  } catch (e) {
    const msg = isErrno(e, 'ENOENT') ? `failed to read dockerfile: open ${dockerfilePath}: no such file or directory`
      : isErrno(e, 'EISDIR') ? `failed to read dockerfile: ${dockerfilePath} is a directory` : `failed to read dockerfile: ${(e as Error).message}`;
    v.error(msg);
    throw new BuildError('BK0013', msg, { hint: 'check --local dockerfile=DIR and --opt filename=NAME' });
  }
  v.status(`transferring dockerfile: ${source.length}B done`);
  v.done();

  const excludePatterns = await loadDockerignore(req, dockerfilePath, progress);

  const resolver = async (ref: string): Promise<{ pinned: string; config: import('../oci/schemas.js').ImageConfig }> => {
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

  return convertDockerfile({
    dockerfile: source,
    file: filename,
    ...(req.frontendOpts.target !== undefined ? { target: req.frontendOpts.target } : {}),
    buildArgs: req.frontendOpts.buildArgs,
    excludePatterns,
    resolveImage: resolver,
    created,
  });
}

/** `<Dockerfile>.dockerignore` beside the Dockerfile wins over the context's `.dockerignore` (BuildKit). */
async function loadDockerignore(req: BuildRequest, dockerfilePath: string, progress: ProgressSink): Promise<string[]> {
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
      return readIgnoreFile(text).map((p) => (p.exclusion ? '!' : '') + p.text);
    } catch (e) {
      throw new DockerfileError(`invalid pattern in ${path.basename(file)}: ${(e as Error).message}`, { location: { file: path.basename(file), line: (e as { line?: number }).line ?? 1 } });
    }
  }
  return [];
}
