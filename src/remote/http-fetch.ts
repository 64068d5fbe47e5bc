/**
 * One GET of an ADD URL on undici, as BuildKit's http source does it with Go's http.Client: redirects followed
 * (at most 10, like Go), any status outside 200-399 is an error naming the URL and the status, the proxy env vars
 * (HTTP_PROXY, HTTPS_PROXY, NO_PROXY, either case) honored. No Accept-Encoding is sent, so bytes arrive as stored.
 * Each fetch has its own dispatcher, closed when the body is done: nothing keeps the process alive afterwards.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Agent, EnvHttpProxyAgent, request, type Dispatcher } from 'undici';
import { FileOpError } from '../errors.js';
import { redact } from '../progress/redact.js';

const MAX_REDIRECTS = 10;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const PROXY_VARS = ['http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY'];

export interface HttpResponse {
  /** 200-299, or 304 when If-None-Match matched. */
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Dispatcher.ResponseData['body'];
  /** Close the connection pool of this fetch (after the body is consumed or abandoned). */
  close(): Promise<void>;
}

function dispatcher(env: NodeJS.ProcessEnv): Dispatcher {
  const proxied = PROXY_VARS.some((k) => (env[k] ?? '') !== '');
  // Like Go's client: plain http goes to the proxy in absolute form, https through a CONNECT tunnel. (undici's
  // default tunnels http too, and spins reconnecting when a proxy refuses CONNECT: 22,000 connections in 3 s.)
  return proxied ? new EnvHttpProxyAgent({ proxyTunnel: false }) : new Agent({ connections: 4 });
}

function header(h: IncomingHttpHeaders, name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The URL as it may be printed: credentials masked. */
export function printableUrl(url: string): string {
  return redact(url);
}

/** GET `url`, following redirects. Throws FileOpError for network errors and 1xx/4xx/5xx answers. */
export async function httpGet(url: string, opts: { headers?: Record<string, string>; signal?: AbortSignal; env?: NodeJS.ProcessEnv } = {}): Promise<HttpResponse> {
  const d = dispatcher(opts.env ?? process.env);
  const close = async (): Promise<void> => { await d.close().catch(() => undefined); };
  let current = url;
  try {
    for (let hop = 0; ; hop++) {
      const r = await request(current, {
        method: 'GET', headers: { 'user-agent': 'buildkit-ts', ...opts.headers }, dispatcher: d, signal: opts.signal ?? null,
      });
      const location = header(r.headers, 'location');
      if (REDIRECTS.has(r.statusCode) && location !== undefined) {
        await r.body.dump().catch(() => undefined);
        if (hop + 1 > MAX_REDIRECTS) throw new FileOpError(`failed to fetch ${printableUrl(url)}: stopped after ${MAX_REDIRECTS} redirects`);
        current = new URL(location, current).toString();
        continue;
      }
      if (r.statusCode < 200 || r.statusCode >= 400) {
        await r.body.dump().catch(() => undefined);
        throw new FileOpError(`failed to fetch ${printableUrl(url)}: invalid response status ${r.statusCode}`);
      }
      return { status: r.statusCode, headers: r.headers, body: r.body, close };
    }
  } catch (e) {
    await close();
    if (e instanceof FileOpError || opts.signal?.aborted === true) throw e;
    const err = e as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
    const why = err.cause?.code ?? err.code ?? err.message;
    throw new FileOpError(`failed to fetch ${printableUrl(url)}: ${why}`);
  }
}

/** Write the body to `file` (created, never overwritten) with `mode`, hashing it on the way. */
export async function saveBody(res: HttpResponse, file: string, mode: number): Promise<{ digest: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, cb) { hash.update(chunk); size += chunk.length; cb(null, chunk); },
  });
  try {
    await pipeline(res.body, tap, createWriteStream(file, { flags: 'wx', mode }));
  } finally {
    await res.close();
  }
  return { digest: 'sha256:' + hash.digest('hex'), size };
}

export function responseHeader(res: HttpResponse, name: string): string | undefined {
  return header(res.headers, name);
}
