/**
 * Real servers on loopback for the remote-source tests: a node:http file server (Last-Modified, ETag,
 * redirects, 404, Content-Disposition, request log), git repositories made with the system git, served over
 * smart HTTP (`git http-backend` as CGI behind node:http) and by `git daemon` (git://).
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { createHash } from 'node:crypto';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';

export interface Served {
  body: string | Buffer;
  lastModified?: string;
  etag?: string;
  contentDisposition?: string;
  /** Answer with this status (and no body) instead. */
  status?: number;
  /** Redirect to this path or URL. */
  redirect?: string;
}

export interface FileServer {
  readonly url: string;
  readonly files: Map<string, Served>;
  /** Every request: method, path, status sent, If-None-Match received. */
  readonly log: { path: string; status: number; ifNoneMatch?: string }[];
}

export async function fileServer(t: TestContext): Promise<FileServer> {
  const files = new Map<string, Served>();
  const log: FileServer['log'] = [];
  const server = http.createServer((req, res) => {
    const p = (req.url ?? '/').split('?')[0]!;
    const f = files.get(p);
    const inm = req.headers['if-none-match'];
    const send = (status: number, headers: Record<string, string>, body?: string | Buffer): void => {
      log.push({ path: p, status, ...(typeof inm === 'string' ? { ifNoneMatch: inm } : {}) });
      res.writeHead(status, headers);
      res.end(body);
    };
    if (!f) return send(404, {}, 'not found');
    if (f.redirect !== undefined) return send(302, { location: f.redirect });
    if (f.status !== undefined) return send(f.status, {}, 'nope');
    const h: Record<string, string> = {};
    if (f.lastModified) h['last-modified'] = f.lastModified;
    if (f.etag) h['etag'] = f.etag;
    if (f.contentDisposition) h['content-disposition'] = f.contentDisposition;
    if (f.etag && inm === f.etag) return send(304, h);
    send(200, h, f.body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, files, log };
}

export function sha256(s: string | Buffer): string {
  return 'sha256:' + createHash('sha256').update(s).digest('hex');
}

export async function tmpDir(t: TestContext, prefix = 'remote-'): Promise<string> {
  const d = await mkdtemp(path.join(os.tmpdir(), prefix));
  t.after(() => rm(d, { recursive: true, force: true }));
  return d;
}

const GIT_ENV = {
  ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: '/dev/null',
  GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com',
};

/** Run git in `cwd`; returns trimmed stdout. */
export function gitIn(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'init.defaultBranch=main', '-c', 'protocol.file.allow=always', ...args], { cwd, env: GIT_ENV, encoding: 'utf8' }).trim();
}

/** gitIn without blocking the event loop: for commands that talk to a server living in this process. */
export async function gitAsync(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)('git', ['-c', 'init.defaultBranch=main', '-c', 'protocol.file.allow=always', ...args], { cwd, env: GIT_ENV, encoding: 'utf8' });
  return stdout.trim();
}

/** A bare repo `<root>/<name>.git` whose main branch has one commit per entry of `commits` (path -> content; null = symlink target follows). */
export function makeRepo(root: string, name: string, commits: Record<string, string | { symlink: string }>[], opts: { tag?: string; annotated?: string } = {}): { bare: string; shas: string[] } {
  const work = path.join(root, `${name}-work`);
  execFileSync('mkdir', ['-p', work]);
  gitIn(work, 'init', '-q');
  const shas: string[] = [];
  for (const files of commits) {
    for (const [p, c] of Object.entries(files)) {
      const full = path.join(work, p);
      execFileSync('mkdir', ['-p', path.dirname(full)]);
      execFileSync('rm', ['-rf', full]);
      if (typeof c === 'string') execFileSync('sh', ['-c', 'printf %s "$1" > "$2"', 'sh', c, full]);
      else execFileSync('ln', ['-s', c.symlink, full]);
    }
    gitIn(work, 'add', '-A');
    gitIn(work, 'commit', '-q', '-m', `commit ${shas.length}`);
    shas.push(gitIn(work, 'rev-parse', 'HEAD'));
  }
  if (opts.tag) gitIn(work, 'tag', opts.tag, shas[0]!);
  if (opts.annotated) gitIn(work, 'tag', '-a', '-m', 'annotated', opts.annotated, shas[0]!);
  const bare = path.join(root, `${name}.git`);
  gitIn(root, 'clone', '-q', '--bare', work, bare);
  return { bare, shas };
}

/** Smart HTTP: `git http-backend` as a CGI behind node:http, serving every repository under root. */
export async function gitHttpServer(t: TestContext, root: string): Promise<string> {
  const server = http.createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    const child = spawn('git', ['http-backend'], {
      env: {
        ...process.env, GIT_PROJECT_ROOT: root, GIT_HTTP_EXPORT_ALL: '1', PATH_INFO: decodeURIComponent(u.pathname),
        QUERY_STRING: u.search.slice(1), REQUEST_METHOD: req.method ?? 'GET', CONTENT_TYPE: req.headers['content-type'] ?? '',
        REMOTE_ADDR: '127.0.0.1', REMOTE_USER: 'test',
        ...(req.headers['git-protocol'] ? { GIT_PROTOCOL: String(req.headers['git-protocol']) } : {}),
        ...(req.headers['content-encoding'] ? { HTTP_CONTENT_ENCODING: String(req.headers['content-encoding']) } : {}),
      },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    req.pipe(child.stdin);
    let head = Buffer.alloc(0);
    let headersDone = false;
    child.stdout.on('data', (d: Buffer) => {
      if (headersDone) { res.write(d); return; }
      head = Buffer.concat([head, d]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      headersDone = true;
      let status = 200;
      for (const line of head.subarray(0, end).toString().split('\r\n')) {
        const i = line.indexOf(':');
        const k = line.slice(0, i).trim();
        const v = line.slice(i + 1).trim();
        if (k.toLowerCase() === 'status') status = parseInt(v, 10);
        else res.setHeader(k, v);
      }
      res.writeHead(status);
      res.write(head.subarray(end + 4));
    });
    child.on('close', () => res.end());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** `git daemon` serving every repository under root on a free loopback port: returns git://127.0.0.1:PORT. */
export async function gitDaemon(t: TestContext, root: string): Promise<string> {
  const probe = http.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  const child: ChildProcess = spawn('git', ['daemon', '--reuseaddr', '--export-all', `--base-path=${root}`, '--listen=127.0.0.1', `--port=${port}`, root], { stdio: ['ignore', 'ignore', 'pipe'] });
  t.after(() => { child.kill('SIGTERM'); });
  // Ready when the port accepts connections.
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise<boolean>((r) => {
      const c = net.connect(port, '127.0.0.1', () => { c.destroy(); r(true); });
      c.on('error', () => r(false));
    });
    if (ok) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  return `git://127.0.0.1:${port}`;
}
