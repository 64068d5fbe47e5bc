/**
 * A tiny HTTP proxy in front of a real registry that misbehaves on demand: flips a byte in blob or manifest
 * bodies, answers 503, cuts connections (before the answer or halfway through a blob), or redirects blob
 * GETs to a "storage" server on another origin (which serves the blob from an OCI layout and records
 * whether an Authorization header reached it).
 */
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

export interface Faults {
  flipBlob?: boolean;
  flipManifest?: boolean;
  /** Answer 503 to this many requests. */
  unavailable?: number;
  /** Destroy the socket without answering, this many times. */
  reset?: number;
  /** Send half of a blob body and then destroy the socket, this many times. */
  cutBlob?: number;
  /** Redirect blob GETs to the storage server, which serves blobs from this OCI layout dir. */
  redirectBlobsTo?: string;
}

export interface FaultyProxy {
  host: string;
  faults: Faults;
  /** Requests seen by the proxy ("GET /v2/... (authorization)"), and whether the storage server got Authorization. */
  log: string[];
  storageSawAuthorization: boolean[];
  close(): Promise<void>;
}

export async function startFaultyProxy(upstream: string): Promise<FaultyProxy> {
  const state: FaultyProxy = { host: '', faults: {}, log: [], storageSawAuthorization: [], close: async () => undefined };

  const storage = http.createServer((req, res) => {
    state.storageSawAuthorization.push(req.headers.authorization !== undefined);
    const hex = /sha256:([a-f0-9]{64})/.exec(req.url ?? '')?.[1];
    const dir = state.faults.redirectBlobsTo;
    if (hex === undefined || dir === undefined) return void res.writeHead(404).end();
    readFile(join(dir, 'blobs', 'sha256', hex)).then(
      (b) => res.writeHead(200, { 'content-length': b.length }).end(b),
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((r) => storage.listen(0, '127.0.0.1', r));
  // "localhost" makes it another origin than the proxy's 127.0.0.1 address.
  const storageOrigin = `http://localhost:${(storage.address() as AddressInfo).port}`;

  const proxy = http.createServer((req, res) => {
    const f = state.faults;
    const url = req.url ?? '/';
    state.log.push(`${req.method} ${url}${req.headers.authorization !== undefined ? ' (authorization)' : ''}`);
    const isBlob = req.method === 'GET' && /\/blobs\/sha256:/.test(url);
    const isManifest = req.method === 'GET' && /\/manifests\//.test(url);
    if ((f.reset ?? 0) > 0) { f.reset!--; req.socket.destroy(); return; }
    if ((f.unavailable ?? 0) > 0) { f.unavailable!--; res.writeHead(503).end('{"errors":[{"code":"UNAVAILABLE","message":"try later"}]}'); return; }
    if (isBlob && f.redirectBlobsTo !== undefined) {
      res.writeHead(307, { location: `${storageOrigin}/storage${url}` }).end();
      return;
    }
    const up = http.request({ host: '127.0.0.1', port: Number(upstream.split(':')[1]), method: req.method, path: url, headers: { ...req.headers, host: upstream } }, (ur) => {
      const chunks: Buffer[] = [];
      ur.on('data', (c: Buffer) => chunks.push(c));
      ur.on('end', () => {
        const body = Buffer.concat(chunks);
        const ok = ur.statusCode === 200 && body.length > 0;
        if (ok && ((isBlob && f.flipBlob) || (isManifest && f.flipManifest))) body[body.length >> 1] ^= 0x01;
        res.writeHead(ur.statusCode ?? 502, ur.headers);
        if (ok && isBlob && (f.cutBlob ?? 0) > 0) {
          f.cutBlob!--;
          res.write(body.subarray(0, body.length >> 1), () => setTimeout(() => req.socket.destroy(), 20));
          return;
        }
        res.end(body);
      });
    });
    up.on('error', () => res.writeHead(502).end());
    req.pipe(up);
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  state.host = `127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  state.close = async () => {
    proxy.closeAllConnections();
    storage.closeAllConnections();
    await Promise.all([new Promise((r) => proxy.close(r)), new Promise((r) => storage.close(r))]);
  };
  return state;
}
