/**
 * --secret, --ssh and --allow, parsed like buildctl. Secret values are registered with the progress
 * redactor as soon as they are known, so no renderer can print them.
 */
import { openSync, readSync, closeSync } from 'node:fs';
import path from 'node:path';
import type { Entitlement, SecretSpec, SshSpec } from '../build/request.js';
import { FlagError, isErrno } from '../errors.js';
import { registerSecret } from '../progress/redact.js';
import { suggest } from './suggest.js';
import { splitCsv, splitField } from './csv.js';

const MAX_SECRET_BYTES = 500 * 1024; // BuildKit's limit for one secret

/** `id=ID,src=FILE`, `id=ID,env=VAR`, `type=env,id=ID` (env defaults to the id), `id=ID` (env=ID). */
export function parseSecret(value: string, env: { cwd: string; vars: NodeJS.ProcessEnv }): SecretSpec {
  let type = 'file';
  let id: string | undefined;
  let src: string | undefined;
  let envName: string | undefined;
  for (const field of splitCsv(value, '--secret')) {
    const [key, v] = splitField(field, '--secret');
    switch (key) {
      case 'type':
        if (v !== 'file' && v !== 'env') throw new FlagError(`--secret ${value}: unsupported type "${v}" (file or env)`);
        type = v;
        break;
      case 'id': id = v; break;
      case 'src': case 'source': src = v; break;
      case 'env': envName = v; break;
      default: {
        const guess = suggest(key, ['type', 'id', 'src', 'source', 'env']);
        throw new FlagError(`unknown key "${key}" in --secret${guess !== undefined ? ` (did you mean "${guess}"?)` : ''}`);
      }
    }
  }
  if (type === 'env' && envName === undefined) { envName = src; src = undefined; }
  id ??= src !== undefined ? path.basename(src) : envName;
  if (id === undefined || id === '') throw new FlagError(`--secret ${value}: missing id=ID`);
  if (src !== undefined && envName !== undefined) throw new FlagError(`--secret ${value}: give src= or env=, not both`);
  if (src === undefined && envName === undefined) envName = id;
  if (src !== undefined) {
    const abs = path.resolve(env.cwd, src);
    registerSecret(readSecretFile(abs, value));
    return { id, src: abs };
  }
  const fromEnv = env.vars[envName!];
  if (fromEnv !== undefined) registerSecret(fromEnv);
  return { id, env: envName! };
}

function readSecretFile(file: string, flag: string): string {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    if (isErrno(e, 'ENOENT')) throw new FlagError(`--secret ${flag}: file ${file} does not exist`);
    if (isErrno(e, 'EACCES')) throw new FlagError(`--secret ${flag}: cannot read ${file} (permission denied)`);
    throw e;
  }
  try {
    const buf = Buffer.alloc(MAX_SECRET_BYTES + 1);
    const n = readSync(fd, buf, 0, buf.length, 0);
    if (n > MAX_SECRET_BYTES) throw new FlagError(`--secret ${flag}: ${file} is larger than 500 KiB`);
    return buf.subarray(0, n).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** `default`, `ID=PATH[,PATH...]` (agent sockets or key files). */
export function parseSsh(value: string, cwd: string): SshSpec {
  const eq = value.indexOf('=');
  const id = eq < 0 ? value : value.slice(0, eq);
  if (!/^[A-Za-z0-9_.-]+$/.test(id)) throw new FlagError(`invalid --ssh "${value}": expected ID or ID=PATH[,PATH]`);
  const paths = eq < 0 ? [] : value.slice(eq + 1).split(',').filter((p) => p !== '').map((p) => path.resolve(cwd, p));
  return { id, paths };
}

const ENTITLEMENTS: readonly Entitlement[] = ['network.host', 'security.insecure'];

export function parseAllow(value: string): Entitlement {
  if ((ENTITLEMENTS as readonly string[]).includes(value)) return value as Entitlement;
  const guess = suggest(value, ENTITLEMENTS);
  throw new FlagError(`unknown --allow entitlement "${value}"${guess !== undefined ? ` (did you mean "${guess}"?)` : ''}`, { hint: `entitlements: ${ENTITLEMENTS.join(', ')}` });
}
