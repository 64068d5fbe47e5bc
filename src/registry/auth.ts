/**
 * Registry authentication, the way containerd's docker authorizer does it: try anonymously first; on a 401
 * remember the host's challenge and answer it. Bearer tokens come from the realm (GET with Basic credentials
 * when we have a username/password, POST `grant_type=refresh_token` when an identity token is configured,
 * anonymous otherwise) and are cached per (host, scopes) until they expire. Basic challenges get the
 * username/password. Every secret seen is remembered so messages can be scrubbed with `redact`, and registered
 * with the progress redactor (registerSecret) so no renderer, --debug stack or error cause can print it.
 */
import { Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { RegistryError } from '../errors.js';
import { registerSecret } from '../progress/redact.js';
import { parseWWWAuthenticate, type AuthChallenge } from './auth-challenge.js';
import type { Credentials } from './docker-config.js';
import { UnauthorizedError, describeStatus } from './registry-errors.js';
import { readCapped, type Response, type Transport } from './transport.js';

export type Action = 'pull' | 'push';

/** `repository:library/busybox:pull` or `repository:x:pull,push` (distribution token-auth scope grammar). */
export function repositoryScope(path: string, actions: readonly Action[]): string {
  const sorted = [...new Set(actions)].sort(); // "pull,push": the order docker sends
  return `repository:${path}:${sorted.join(',')}`;
}

/** Source: distribution docs/spec/auth/token.md (token and access_token are synonyms; expires_in in seconds). */
const TokenResponseCheck = TypeCompiler.Compile(Type.Object({
  token: Type.Optional(Type.String()),
  access_token: Type.Optional(Type.String()),
  expires_in: Type.Optional(Type.Number()),
  issued_at: Type.Optional(Type.String()),
}));
const TOKEN_RESPONSE_LIMIT = 1 << 20;
/** The spec's default and minimum lifetime. */
const MIN_TOKEN_SECONDS = 60;
/** Refresh this long before expiry so a token does not die in flight. */
const EXPIRY_MARGIN_MS = 10_000;
const CLIENT_ID = 'buildkit-ts';

interface CachedToken { value: string; expiresAt: number }

export class Authenticator {
  private readonly transport: Transport;
  private readonly credentials: (host: string) => Promise<Credentials | undefined>;
  private readonly challenges = new Map<string, AuthChallenge>();
  private readonly tokens = new Map<string, Promise<CachedToken>>();
  private readonly secrets = new Set<string>();
  private readonly now: () => number;

  constructor(opts: {
    transport: Transport;
    credentials: (host: string) => Promise<Credentials | undefined>;
    now?: () => number;
  }) {
    this.transport = opts.transport;
    this.credentials = opts.credentials;
    this.now = opts.now ?? Date.now;
  }

  /**
   * The `Authorization` value for a request to `host` (a reference domain) needing `scopes`, or undefined while
   * the host has not challenged us (we go anonymous first, like docker).
   */
  async authorization(host: string, scopes: readonly string[], signal?: AbortSignal): Promise<string | undefined> {
    const challenge = this.challenges.get(host);
    if (challenge === undefined) return undefined;
    const creds = await this.credentials(host);
    this.remember(creds);
    if (challenge.scheme === 'basic') {
      if (creds?.username === undefined || creds.password === undefined) throw new UnauthorizedError('unauthorized: authentication required');
      const value = 'Basic ' + Buffer.from(`${creds.username}:${creds.password}`).toString('base64');
      this.secret(value.slice('Basic '.length));
      return value;
    }
    if (creds?.registryToken !== undefined) return `Bearer ${creds.registryToken}`;
    const key = `${host}|${[...scopes].sort().join(' ')}`;
    let pending = this.tokens.get(key);
    if (pending !== undefined) {
      const t = await pending.catch(() => undefined);
      if (t !== undefined && t.expiresAt > this.now()) return `Bearer ${t.value}`;
      if (this.tokens.get(key) === pending) this.tokens.delete(key);
    }
    pending = this.tokens.get(key) ?? this.fetchToken({ challenge, creds, scopes, signal });
    this.tokens.set(key, pending);
    try {
      return `Bearer ${(await pending).value}`;
    } catch (e) {
      if (this.tokens.get(key) === pending) this.tokens.delete(key);
      throw e;
    }
  }

  /**
   * Learn from a 401 answer of `host`: remember its challenge and drop cached tokens for these scopes (they were
   * refused). Throws UnauthorizedError when the server offers no scheme we speak.
   */
  challenged(host: string, wwwAuthenticate: string | string[] | undefined, scopes: readonly string[]): void {
    const offered = parseWWWAuthenticate(wwwAuthenticate);
    const usable = offered.find((c) => c.scheme === 'bearer') ?? offered.find((c) => c.scheme === 'basic');
    if (usable === undefined) throw new UnauthorizedError('unauthorized: authentication required (no supported WWW-Authenticate challenge)');
    this.challenges.set(host, usable);
    this.tokens.delete(`${host}|${[...scopes].sort().join(' ')}`);
  }

  /** Replace every credential or token this authenticator has handled with `***`. */
  redact(s: string): string {
    let out = s;
    for (const secret of this.secrets) if (secret.length >= 4) out = out.split(secret).join('***');
    return out;
  }

  private remember(creds: Credentials | undefined): void {
    for (const v of [creds?.password, creds?.identityToken, creds?.registryToken]) if (v !== undefined) this.secret(v);
  }

  private secret(value: string): void {
    this.secrets.add(value);
    registerSecret(value);
  }

  private async fetchToken(opts: {
    challenge: AuthChallenge; creds: Credentials | undefined; scopes: readonly string[]; signal: AbortSignal | undefined;
  }): Promise<CachedToken> {
    const { challenge, creds, scopes, signal } = opts;
    const realm = challenge.params['realm'];
    if (realm === undefined || !/^https?:\/\//.test(realm)) throw new RegistryError('registry sent a bearer challenge without a valid realm');
    const service = challenge.params['service'];
    const realmName = new URL(realm).origin + new URL(realm).pathname;

    let res: Response | undefined;
    if (creds?.identityToken !== undefined) {
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: creds.identityToken, client_id: CLIENT_ID });
      if (service !== undefined) form.set('service', service);
      if (scopes.length > 0) form.set('scope', scopes.join(' '));
      res = await this.transport.send(realm, {
        method: 'POST', body: form.toString(), signal,
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      });
      // Some token servers (GCR) have no OAuth POST endpoint; containerd falls back to GET then.
      if (res.status === 404 || res.status === 405) {
        await res.body.dump();
        res = undefined;
      }
    }
    if (res === undefined) {
      const url = new URL(realm);
      if (service !== undefined) url.searchParams.set('service', service);
      for (const s of scopes) url.searchParams.append('scope', s);
      const headers: Record<string, string> = {};
      if (creds?.username !== undefined && creds.password !== undefined) {
        url.searchParams.set('account', creds.username);
        const basic = Buffer.from(`${creds.username}:${creds.password}`).toString('base64');
        this.secret(basic);
        headers['authorization'] = `Basic ${basic}`;
      }
      res = await this.transport.send(url.toString(), { headers, signal });
    }

    if (res.status === 401 || res.status === 403) {
      await res.body.dump();
      throw new UnauthorizedError(`unauthorized: authentication required (token server ${realmName} answered ${res.status})`);
    }
    const body = await readCapped(res, TOKEN_RESPONSE_LIMIT, `token response from ${realmName}`);
    if (res.status !== 200) throw new RegistryError(`token server ${realmName} answered ${describeStatus(res.status, body)}`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      throw new RegistryError(`token server ${realmName} sent invalid JSON`);
    }
    if (!TokenResponseCheck.Check(parsed)) throw new RegistryError(`token server ${realmName} sent an unexpected response`);
    const value = parsed.token ?? parsed.access_token;
    if (value === undefined || value === '') throw new RegistryError(`token server ${realmName} sent no token`);
    this.secret(value);
    const seconds = Math.max(parsed.expires_in ?? MIN_TOKEN_SECONDS, MIN_TOKEN_SECONDS);
    return { value, expiresAt: this.now() + seconds * 1000 - EXPIRY_MARGIN_MS };
  }
}
