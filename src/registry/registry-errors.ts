/**
 * Error kinds raised by the registry layer below RegistryClient, and the one-line descriptions it builds
 * messages from. RegistryClient prefixes them with what it was doing ("failed to resolve REF: ...").
 * Nothing here ever includes a request header, a token or a password.
 */
import { STATUS_CODES } from 'node:http';
import { Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { DigestMismatchError, RegistryError } from '../errors.js';

/** 401 from the registry or its token server. */
export class UnauthorizedError extends RegistryError {}
/** 404 for a manifest or blob. */
export class NotFoundError extends RegistryError {}
/** An index has no manifest for the requested platform. The message is complete (names the reference). */
export class NoMatchingPlatformError extends RegistryError {}

/** Network error codes worth retrying (the request may not have reached the server or the body was cut). */
const RETRYABLE_CODES = new Set([
  'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED', 'EAI_AGAIN',
  'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CLOSED',
]);

export function isRetryableNetworkError(e: unknown): boolean {
  if (e instanceof AggregateError) return e.errors.some(isRetryableNetworkError);
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && RETRYABLE_CODES.has(code);
}

/** `connect ECONNREFUSED 127.0.0.1:1`: the message of a network error (first of an AggregateError). */
export function describeNetworkError(e: unknown): string {
  if (e instanceof AggregateError && e.errors.length > 0) return describeNetworkError(e.errors[0]);
  if (e instanceof Error) {
    const code = (e as NodeJS.ErrnoException).code;
    const msg = e.message !== '' ? e.message : code ?? e.name;
    return sanitize(code !== undefined && !msg.includes(code) ? `${msg} (${code})` : msg);
  }
  return sanitize(String(e));
}

/** Control characters out, whitespace collapsed, length capped: server-provided text goes through here. */
export function sanitize(s: string, max = 300): string {
  // eslint-disable-next-line no-control-regex
  const clean = s.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').replace(/\s+/g, ' ').trim();
  return clean.length > max ? clean.slice(0, max) + '...' : clean;
}

/** distribution's error body: {"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":...}]} */
const ErrorBodyCheck = TypeCompiler.Compile(Type.Object({
  errors: Type.Array(Type.Object({ code: Type.Optional(Type.String()), message: Type.Optional(Type.String()) })),
}));

/** `unexpected status 500 Internal Server Error: UNKNOWN: unknown error` from a status and a (small) error body. */
export function describeStatus(status: number, body: Buffer | undefined): string {
  let text = `unexpected status ${status} ${STATUS_CODES[status] ?? ''}`.trimEnd();
  if (body !== undefined && body.length > 0) {
    try {
      const parsed: unknown = JSON.parse(body.toString('utf8'));
      if (ErrorBodyCheck.Check(parsed) && parsed.errors.length > 0) {
        const e = parsed.errors[0]!;
        text += `: ${sanitize([e.code, e.message].filter((x) => x !== undefined && x !== '').join(': '), 200)}`;
      }
    } catch {
      // not JSON: keep the status line only (HTML error pages say nothing useful)
    }
  }
  return text;
}

/**
 * The error a user sees for a failed registry operation: `PREFIX: what went wrong[; hint]`, one line, scrubbed
 * of every secret `redact` knows. 401s name the host and the config file used; digest mismatches and
 * platform misses keep their own complete message; aborts and programmer errors pass through unchanged.
 */
export function userError(opts: {
  prefix: string;
  host: string;
  error: unknown;
  redact: (s: string) => string;
  config: { path: string; exists: boolean } | undefined;
}): unknown {
  const { prefix, host, error: e, redact } = opts;
  if (e instanceof Error && e.name === 'AbortError') return e;
  if (e instanceof DigestMismatchError) return new DigestMismatchError(redact(e.message));
  if (e instanceof NoMatchingPlatformError) return e;
  if (e instanceof UnauthorizedError) {
    const cfg = opts.config;
    const where = cfg === undefined ? '' : ` in ${cfg.path}${cfg.exists ? '' : ' (file does not exist)'}`;
    return new UnauthorizedError(redact(`${prefix}: ${e.message}; check credentials for ${host}${where}`));
  }
  if (e instanceof NotFoundError) return new NotFoundError(`${prefix}: not found`);
  if (e instanceof RegistryError) return new RegistryError(redact(`${prefix}: ${e.message}`));
  if (e instanceof AggregateError || (e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string')) {
    return new RegistryError(redact(`${prefix}: ${describeNetworkError(e)}`), { cause: e });
  }
  return e;
}
