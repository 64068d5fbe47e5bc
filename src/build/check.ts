/**
 * `--opt call=check` (BuildKit's frontend.check subrequest, as `docker build --check` shows it): run the build
 * checks over every stage, resolving base images but building nothing, and report the warnings (and a
 * conversion error) with their source lines. Status 1 when anything was found.
 */
import { BuildError } from '../errors.js';
import { openSession } from '../ephemeral/session.js';
import { formatCheckReport } from '../frontend/dockerfile/lint/format.js';
import type { ProgressSink } from '../progress/types.js';
import { RegistryClient } from '../registry/index.js';
import { registryClientOptions } from '../config/registry-hosts.js';
import { detectPrivilege } from '../rootless/privilege.js';
import { Worker } from '../solver/worker.js';
import { runDockerfileFrontend } from './frontend.js';
import type { BuildRequest, DaemonOptions } from './request.js';

export async function runCheck(req: BuildRequest, daemon: DaemonOptions, progress: ProgressSink): Promise<{ text: string; status: number }> {
  const session = await openSession({ ...(daemon.root !== undefined ? { root: daemon.root } : {}) });
  try {
    const worker = new Worker({ state: session.state, runDir: session.runDir, rootless: detectPrivilege().mode !== 'root', locals: req.locals, registry: new RegistryClient(registryClientOptions(daemon.config)) });
    const run = await runDockerfileFrontend({ req, worker, progress, created: new Date().toISOString(), check: true });
    let error: { message: string; line?: number } | undefined;
    if (run.error !== undefined) {
      if (!(run.error instanceof BuildError)) throw run.error;
      error = { message: run.error.message, ...(run.error.location ? { line: run.error.location.line } : {}) };
    }
    return formatCheckReport({ warnings: run.linter.warnings, ...(error ? { error } : {}) }, { file: run.file, source: run.source });
  } finally {
    await session.close(undefined);
  }
}
