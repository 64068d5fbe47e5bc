/**
 * HTTP for the registry client, on undici: retries with backoff for idempotent requests on 5xx/429 and
 * connection resets, manual redirects (blob GETs go to object storage) that drop `Authorization` when the
 * origin changes, and size-capped body reads. It knows nothing about auth or the registry API.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { request, type Dispatcher } from 'undici';
import { RegistryError } from '../errors.js';
import { isRetryableNetworkError } from './registry-errors.js';
import { backoff, isRetryableStatus, type RetryPolicy } from './retry.js';

export type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface SendOptions {
  method?: Method;
  headers?: Record<string, string>;
  body?: string | Buffer;
  signal?: AbortSignal | undefined;
  /** Follow 3xx answers (GET/HEAD only), at most MAX_REDIRECTS. */
  followRedirects?: boolean;
}

export interface Response {
  status: number;
  headers: IncomingHttpHeaders;
  body: Dispatcher.ResponseData['body'];
  /** The URL that answered, after redirects. */
  url: string;
}

const MAX_REDIRECTS = 5;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

export class Transport {
  private readonly dispatcherFor: (url: URL) => Dispatcher;
  private readonly retry: RetryPolicy;
  private readonly userAgent: string;

  constructor(opts: { dispatcherFor: (url: URL) => Dispatcher; retry: RetryPolicy; userAgent: string }) {
    this.dispatcherFor = opts.dispatcherFor;
    this.retry = opts.retry;
    this.userAgent = opts.userAgent;
  }

  /**
   * Send one request. GET/HEAD are retried on network resets and 5xx/429 (the last such answer is returned
   * as is); other methods are sent once. Network errors are thrown unchanged (undici/Node errors with a code).
   */
  async send(url: string, opts: SendOptions = {}): Promise<Response> {
    const method = opts.method ?? 'GET';
    const idempotent = method === 'GET' || method === 'HEAD';
    for (let attempt = 1; ; attempt++) {
      const last = !idempotent || attempt >= this.retry.attempts;
      let res: Response;
      try {
        res = await this.sendFollowing(url, method, opts);
      } catch (e) {
        if (last || !isRetryableNetworkError(e) || opts.signal?.aborted === true) throw e;
        await backoff(this.retry, attempt, opts.signal);
        continue;
      }
      if (last || !isRetryableStatus(res.status)) return res;
      await res.body.dump();
      await backoff(this.retry, attempt, opts.signal);
    }
  }

  private async sendFollowing(url: string, method: Method, opts: SendOptions): Promise<Response> {
    const origin = new URL(url).origin;
    let current = url;
    for (let hop = 0; ; hop++) {
      const target = new URL(current);
      const headers: Record<string, string> = { 'user-agent': this.userAgent, ...opts.headers };
      // Never hand our registry credentials to another origin (pre-signed storage URLs carry their own).
      if (target.origin !== origin) {
        delete headers['authorization'];
        delete headers['Authorization'];
      }
      const r = await request(target, {
        method,
        headers,
        body: opts.body ?? null,
        signal: opts.signal ?? null,
        dispatcher: this.dispatcherFor(target),
      });
      if (target.protocol === 'http:' && r.statusCode === 400 && r.headers['content-type'] === undefined) {
        await refuseHttpsServer(target, r.body);
      }
      const location = r.headers['location'];
      const follow = opts.followRedirects === true && (method === 'GET' || method === 'HEAD');
      if (!follow || !REDIRECT_STATUSES.has(r.statusCode) || typeof location !== 'string') {
        return { status: r.statusCode, headers: r.headers, body: r.body, url: current };
      }
      await r.body.dump();
      if (hop + 1 > MAX_REDIRECTS) throw new RegistryError(`too many redirects (last to ${target.origin})`);
      current = new URL(location, target).toString();
    }
  }
}

/**
 * Go's HTTPS servers (docker-registry) answer a plain-HTTP request with a bare `400` and this text. Without the
 * check the user would see "unexpected status 400" for what is a scheme mistake: plain HTTP is BuildKit's
 * default for loopback hosts and for `http = true`. Other bare 400s pass on with an empty body (they carry no
 * registry error JSON either).
 */
async function refuseHttpsServer(target: URL, body: Dispatcher.ResponseData['body']): Promise<void> {
  const text = (await body.text().catch(() => '')).slice(0, 200);
  if (/HTTP request to an HTTPS server/i.test(text)) {
    throw new RegistryError(`${target.host} speaks HTTPS, not plain HTTP (plain HTTP is the default for loopback hosts: set http = false in [registry.${JSON.stringify(target.host)}] of the --config file)`);
  }
}

/**
 * Read a whole body, refusing more than `limit` bytes (checked against Content-Length first, then while reading),
 * so a hostile or broken server cannot make us buffer gigabytes before JSON.parse.
 */
export async function readCapped(res: Response, limit: number, what: string): Promise<Buffer> {
  const declared = Number(res.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    res.body.destroy();
    throw new RegistryError(`${what} is too large: ${declared} bytes (limit ${limit})`);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of res.body) {
    const b = chunk as Buffer;
    total += b.length;
    if (total > limit) {
      res.body.destroy();
      throw new RegistryError(`${what} is too large: more than ${limit} bytes`);
    }
    chunks.push(b);
  }
  return Buffer.concat(chunks, total);
}

/** Drain a body we do not need, tolerating a connection that is already gone. */
export async function discard(res: Response): Promise<void> {
  try {
    await res.body.dump();
  } catch {
    // The response is being thrown away; a broken socket here changes nothing.
  }
}
