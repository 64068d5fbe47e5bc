/**
 * A docker-registry with token auth (distribution's `auth: token`) and the token server it trusts, written here
 * in Node: RS256 JWTs signed by a key whose self-signed certificate (openssl) is the registry's rootcertbundle;
 * the certificate travels in the JWT's `x5c` header, which distribution 2.8 verifies against that bundle.
 * The token server grants every requested action to `user:password` (GET with Basic) or to the refresh token
 * (POST grant_type=refresh_token), and nothing to anonymous requests. It records each request it gets.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createSign, randomBytes, X509Certificate } from 'node:crypto';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SERVICE = 'test-registry';
const ISSUER = 'test-issuer';

export interface TokenRequestRecord {
  method: string;
  scopes: string[];
  /** How the client identified itself. */
  as: 'basic' | 'refresh-token' | 'anonymous' | 'bad-credentials';
}

export interface TokenRegistry {
  host: string;
  requests: TokenRequestRecord[];
  stop(): Promise<void>;
}

export async function startTokenRegistry(opts: {
  storageDir: string; user: string; password: string; refreshToken: string;
}): Promise<TokenRegistry> {
  const dir = await mkdtemp(join(tmpdir(), 'token-registry-'));
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'),
    '-out', join(dir, 'cert.pem'), '-days', '2', '-subj', '/CN=test-token-issuer']);
  const key = readFileSync(join(dir, 'key.pem'), 'utf8');
  const certDer = new X509Certificate(readFileSync(join(dir, 'cert.pem'))).raw.toString('base64');
  const requests: TokenRequestRecord[] = [];

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      let params = url.searchParams;
      if (req.method === 'POST') params = new URLSearchParams(Buffer.concat(chunks).toString());
      const scopes = params.getAll('scope').flatMap((s) => s.split(' ')).filter((s) => s !== '');
      let as: TokenRequestRecord['as'] = 'anonymous';
      const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
      if (req.method === 'POST') {
        as = params.get('grant_type') === 'refresh_token' && params.get('refresh_token') === opts.refreshToken ? 'refresh-token' : 'bad-credentials';
      } else if (basic) {
        as = Buffer.from(basic[1]!, 'base64').toString() === `${opts.user}:${opts.password}` ? 'basic' : 'bad-credentials';
      }
      requests.push({ method: req.method ?? '', scopes, as });
      if (as === 'bad-credentials') {
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"details":"incorrect username or password"}');
        return;
      }
      const access = as === 'anonymous' ? [] : scopes.map((s) => {
        const [type, name, actions] = s.split(':') as [string, string, string];
        return { type, name, actions: actions.split(',') };
      });
      const token = signJwt(key, certDer, { sub: as === 'anonymous' ? '' : opts.user, access });
      res.writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ token, access_token: token, expires_in: 300, issued_at: new Date().toISOString() }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const realm = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;

  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const config = {
    version: '0.1',
    log: { level: 'error', accesslog: { disabled: true } },
    storage: { filesystem: { rootdirectory: opts.storageDir } },
    http: { addr: host, secret: 'test' },
    auth: { token: { realm, service: SERVICE, issuer: ISSUER, rootcertbundle: join(dir, 'cert.pem') } },
  };
  await writeFile(join(dir, 'config.yml'), JSON.stringify(config));
  const log = openSync(join(dir, 'registry.log'), 'w');
  const child: ChildProcess = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { stdio: ['ignore', log, log] });
  closeSync(log);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    await new Promise<void>((r) => server.close(() => r()));
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10_000;
  while (!(await answers(host))) {
    if (Date.now() > deadline || child.exitCode !== null) {
      const text = readFileSync(join(dir, 'registry.log'), 'utf8');
      await stop();
      throw new Error(`token registry did not start: ${text}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { host, requests, stop };
}

function b64url(b: Buffer | string): string {
  return Buffer.from(b).toString('base64url');
}

function signJwt(keyPem: string, certDer: string, claims: { sub: string; access: unknown[] }): string {
  const now = Math.floor(Date.now() / 1000);
  const header = { alg: 'RS256', typ: 'JWT', x5c: [certDer] };
  const payload = { iss: ISSUER, aud: SERVICE, sub: claims.sub, iat: now, nbf: now - 10, exp: now + 300, jti: randomBytes(8).toString('hex'), access: claims.access };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  const sig = createSign('RSA-SHA256').update(input).sign(keyPem);
  return `${input}.${b64url(sig)}`;
}

function answers(host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(`http://${host}/v2/`, { timeout: 1000 }, (res) => { res.resume(); resolve(true); });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}
