/**
 * Docker credential helpers (github.com/docker/docker-credential-helpers protocol):
 * `docker-credential-NAME get` reads the server URL on stdin and prints `{"ServerURL","Username","Secret"}`.
 * A Username of `<token>` means Secret is an identity (refresh) token.
 */
import { Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { execa } from 'execa';
import { RegistryError } from '../errors.js';
import type { Credentials } from './docker-config.js';

const HelperOutputCheck = TypeCompiler.Compile(Type.Object({
  ServerURL: Type.Optional(Type.String()),
  Username: Type.Optional(Type.String()),
  Secret: Type.String(),
}));

/** Helpers print this (on stdout, exit 1) when they hold nothing for the server. */
const NOT_FOUND = /credentials not found/i;
const HELPER_TIMEOUT_MS = 30_000;

/**
 * Ask `docker-credential-<helper>` for `serverURL`. Returns undefined when the helper has no credentials.
 * Errors name the helper and the server, never the helper's output (it may hold a secret).
 */
export async function credentialsFromHelper(
  helper: string,
  serverURL: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Credentials | undefined> {
  const bin = `docker-credential-${helper}`;
  const r = await execa(bin, ['get'], {
    input: serverURL, reject: false, env, extendEnv: false, timeout: HELPER_TIMEOUT_MS, stripFinalNewline: true,
  });
  if (r.failed) {
    if (NOT_FOUND.test(r.stdout) || NOT_FOUND.test(r.stderr)) return undefined;
    const why = r.code === 'ENOENT' ? 'not found in PATH' : r.timedOut ? 'timed out' : `exited with ${r.exitCode ?? r.signal}`;
    throw new RegistryError(`credential helper ${bin} failed for ${serverURL}: ${why}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(r.stdout);
  } catch {
    throw new RegistryError(`credential helper ${bin} printed invalid JSON for ${serverURL}`);
  }
  if (!HelperOutputCheck.Check(parsed)) {
    throw new RegistryError(`credential helper ${bin} printed unexpected JSON for ${serverURL}`);
  }
  if (parsed.Secret === '') return undefined;
  if (parsed.Username === '<token>') return { identityToken: parsed.Secret };
  return { username: parsed.Username ?? '', password: parsed.Secret };
}
