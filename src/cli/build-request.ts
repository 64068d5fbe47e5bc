/**
 * Checked `build` flags -> BuildRequest. Every flag value is parsed and validated here, once; nothing below
 * the CLI parses flag strings.
 */
import path from 'node:path';
import type { BuildRequest, OutputSpec } from '../build/request.js';
import { FlagError } from '../errors.js';
import type { ProgressMode } from '../progress/index.js';
import { parseCacheSpec } from './cache-flag.js';
import { parseLocals } from './local-flag.js';
import { parseFrontendOpts } from './opt-flag.js';
import { parseOciLayouts } from './oci-layout-flag.js';
import { parseOutput } from './output-flag.js';
import { last, list, type BuildArgv } from './schemas.js';
import { parseAllow, parseSecret, parseSsh } from './secret-flag.js';

export interface RequestEnv {
  readonly cwd: string;
  readonly stdoutIsTTY: boolean;
  readonly vars: NodeJS.ProcessEnv;
}

export function frontendName(argv: BuildArgv): 'dockerfile.v0' {
  const frontend = last(argv.frontend) ?? 'dockerfile.v0';
  if (frontend !== 'dockerfile.v0') {
    throw new FlagError(`--frontend ${frontend} is not supported: only dockerfile.v0 is built in`, {
      hint: frontend === 'gateway.v0' ? 'gateway frontends (--frontend gateway.v0, # syntax= images) are not supported' : undefined,
    });
  }
  return frontend;
}

export function buildRequestFromArgv(argv: BuildArgv, env: RequestEnv): BuildRequest {
  const outputs: OutputSpec[] = list(argv.output).map((o) => parseOutput(o, env));
  if (outputs.filter((o) => o.type !== 'local' && o.type !== 'image' && o.dest === '-').length > 1) {
    throw new FlagError('only one --output can write to stdout (dest=-)');
  }
  const metadataFile = last(argv['metadata-file']);
  if (metadataFile === '') throw new FlagError('--metadata-file needs a file name');
  const exportCache = list(argv['export-cache']).map((c) => parseCacheSpec(c, 'export', env.cwd));
  const importCache = list(argv['import-cache']).map((c) => parseCacheSpec(c, 'import', env.cwd));
  const secrets = list(argv.secret).map((s) => parseSecret(s, env));
  const ssh = list(argv.ssh).map((s) => parseSsh(s, env.cwd));
  const allow = [...new Set(list(argv.allow).map(parseAllow))];
  const ociLayouts = parseOciLayouts(list(argv['oci-layout']), env.cwd);
  const frontendOpts = parseFrontendOpts(list(argv.opt), { sourceDateEpoch: env.vars['SOURCE_DATE_EPOCH'] });
  return {
    frontend: frontendName(argv),
    locals: parseLocals(list(argv.local), env.cwd),
    frontendOpts,
    outputs,
    noCache: last(argv['no-cache']) ?? false,
    ...(metadataFile !== undefined ? { metadataFile: path.resolve(env.cwd, metadataFile) } : {}),
    ...(exportCache.length > 0 ? { exportCache } : {}),
    ...(importCache.length > 0 ? { importCache } : {}),
    ...(secrets.length > 0 ? { secrets } : {}),
    ...(ssh.length > 0 ? { ssh } : {}),
    ...(allow.length > 0 ? { allow } : {}),
    ...(ociLayouts.size > 0 ? { ociLayouts } : {}),
  };
}

export function progressMode(argv: BuildArgv): ProgressMode {
  return (last(argv.progress) as ProgressMode | undefined) ?? 'auto';
}
