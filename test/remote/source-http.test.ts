/**
 * ADD <url> sources against a real node:http server on loopback: BuildKit's LLB shape, file name, mode 0600,
 * mtime from Last-Modified, redirects, one-line errors, --checksum, cache keys and ETag revalidation across
 * builds sharing a state dir, proxies.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstat, readFile, readdir } from 'node:fs/promises';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';
import { BuildError } from '../../src/errors.js';
import { GraphBuilder } from '../../src/llb/definition.js';
import { httpSourceOp } from '../../src/llb/remote-sources.js';
import { remoteSource } from '../../src/frontend/dockerfile/convert/remote-source.js';
import type { ConvertContext } from '../../src/frontend/dockerfile/convert/stage-state.js';
import { fileServer, sha256 } from './servers.js';
import { solve, testWorker } from './solve.js';

const LM = 'Wed, 21 Oct 2015 07:28:00 GMT';
const LM_SECONDS = Date.parse(LM) / 1000;

/** remoteSource only adds to the graph. */
function convertContext(graph: GraphBuilder): ConvertContext {
  return { graph } as unknown as ConvertContext;
}

function addUrl(graph: GraphBuilder, url: string, checksum?: string): { digest: string; index: number; path: string } {
  const r = remoteSource(convertContext(graph), url, { keepGitDir: false, location: undefined, ...(checksum ? { checksum } : {}) });
  assert.ok(r, `${url} is a remote source`);
  return { ...r.input, path: r.path };
}

test('the LLB of ADD <url> is BuildKit\'s: the URL as identifier, http.filename from the path, http.checksum', () => {
  const graph = new GraphBuilder();
  const sum = sha256('x');
  const r = remoteSource(convertContext(graph), 'https://example.com/dl/a%20b.tar.gz?x=1', { keepGitDir: false, location: undefined, checksum: sum });
  assert.equal(r?.kind, 'http');
  assert.equal(r?.path, '/a b.tar.gz');
  const op = graph.build(undefined).ops.get(r!.input.digest)!.op;
  assert.deepEqual(op, { kind: 'source', identifier: 'https://example.com/dl/a%20b.tar.gz?x=1', attrs: { 'http.filename': 'a b.tar.gz', 'http.checksum': sum } });
  const bare = remoteSource(convertContext(graph), 'http://example.com/', { keepGitDir: false, location: undefined });
  assert.equal(bare?.path, '/__unnamed__');
  assert.equal(remoteSource(convertContext(graph), 'src/file.txt', { keepGitDir: false, location: undefined }), undefined);
  assert.equal(remoteSource(convertContext(graph), 'https://example.com/repo.git', { keepGitDir: false, location: undefined })?.kind, 'git');
  assert.throws(() => remoteSource(convertContext(graph), 'https://example.com/f', { keepGitDir: false, location: undefined, checksum: 'md5:abc' }), /unsupported digest algorithm: md5/);
  assert.throws(() => remoteSource(convertContext(graph), 'https://example.com/f', { keepGitDir: false, location: undefined, checksum: 'nope' }), /invalid checksum digest format/);
});

test('the file: named from the URL, mode 0600, mtime from Last-Modified, content as served (archives stay archives)', async (t) => {
  const srv = await fileServer(t);
  const tgz = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  srv.files.set('/files/pkg.tar.gz', { body: tgz, lastModified: LM });
  const worker = await testWorker(t);
  const graph = new GraphBuilder();
  const src = addUrl(graph, `${srv.url}/files/pkg.tar.gz`);
  const { result } = await solve(worker, graph, src);
  assert.equal(result.layers.length, 1);
  const dir = result.layers[0]!.dir;
  assert.deepEqual(await readdir(dir), ['pkg.tar.gz']);
  const st = await lstat(path.join(dir, 'pkg.tar.gz'));
  assert.equal(st.mode & 0o7777, 0o600);
  assert.equal(st.mtimeMs / 1000, LM_SECONDS);
  assert.equal(st.uid, 0);
  assert.deepEqual(await readFile(path.join(dir, 'pkg.tar.gz')), tgz);
});

test('no Last-Modified: mtime is the epoch; Content-Disposition names the file when http.filename is absent; http.perm', async (t) => {
  const srv = await fileServer(t);
  srv.files.set('/get', { body: 'hello', contentDisposition: 'attachment; filename="../../report.txt"' });
  const worker = await testWorker(t);
  const graph = new GraphBuilder();
  const digest = graph.add({ inputs: [], op: httpSourceOp(`${srv.url}/get`, { perm: 0o755 }) });
  const { result } = await solve(worker, graph, { digest, index: 0 });
  const dir = result.layers[0]!.dir;
  assert.deepEqual(await readdir(dir), ['report.txt']);
  const st = await lstat(path.join(dir, 'report.txt'));
  assert.equal(st.mtimeMs, 0);
  assert.equal(st.mode & 0o7777, 0o755);
});

test('redirects are followed; the name is still the one in the ADD line', async (t) => {
  const srv = await fileServer(t);
  srv.files.set('/latest', { body: '', redirect: '/hop' });
  srv.files.set('/hop', { body: '', redirect: `${srv.url}/v2/tool-2.0.bin` });
  srv.files.set('/v2/tool-2.0.bin', { body: 'tool', lastModified: LM });
  const worker = await testWorker(t);
  const graph = new GraphBuilder();
  const { result } = await solve(worker, graph, addUrl(graph, `${srv.url}/latest`));
  assert.equal(await readFile(path.join(result.layers[0]!.dir, 'latest'), 'utf8'), 'tool');
  assert.deepEqual(srv.log.map((l) => l.status), [302, 302, 200]);
});

test('a 404 or 500 is one line naming the URL and the status; a refused connection names the URL', async (t) => {
  const srv = await fileServer(t);
  srv.files.set('/broken', { body: '', status: 500 });
  const worker = await testWorker(t);
  for (const [p, status] of [['/missing.txt', 404], ['/broken', 500]] as const) {
    const graph = new GraphBuilder();
    await assert.rejects(solve(worker, graph, addUrl(graph, `${srv.url}${p}`)), (e: unknown) => {
      assert.ok(e instanceof BuildError);
      assert.equal(e.message, `failed to fetch ${srv.url}${p}: invalid response status ${status}`);
      return true;
    });
  }
  const dead = http.createServer();
  await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
  const port = (dead.address() as AddressInfo).port;
  await new Promise<void>((r) => dead.close(() => r()));
  const graph = new GraphBuilder();
  await assert.rejects(solve(worker, graph, addUrl(graph, `http://127.0.0.1:${port}/x`)), /^BuildError|failed to fetch http:\/\/127\.0\.0\.1:\d+\/x: ECONNREFUSED/);
});

test('--checksum: the key needs no download; a match is used, a mismatch names the URL, expected and actual digests', async (t) => {
  const srv = await fileServer(t);
  srv.files.set('/f.txt', { body: 'content' });
  const worker = await testWorker(t);
  const graph = new GraphBuilder();
  const good = addUrl(graph, `${srv.url}/f.txt`, sha256('content'));
  const { result } = await solve(worker, graph, good);
  assert.equal(await readFile(path.join(result.layers[0]!.dir, 'f.txt'), 'utf8'), 'content');
  assert.equal(srv.log.length, 1);
  // Same op again in the same state dir: a cache hit decided without any request.
  const again = await solve(worker, graph, good);
  assert.equal(again.rec.ran.length, 0);
  assert.equal(srv.log.length, 1);

  const wrong = sha256('other');
  const g2 = new GraphBuilder();
  const layersBefore = (await readdir(worker.state.layers)).length;
  await assert.rejects(solve(worker, g2, addUrl(g2, `${srv.url}/f.txt`, wrong)), (e: unknown) => {
    assert.ok(e instanceof BuildError);
    assert.equal(e.message, `checksum mismatch for ${srv.url}/f.txt: expected ${wrong}, got ${sha256('content')}`);
    return true;
  });
  assert.equal((await readdir(worker.state.layers)).length, layersBefore, 'a mismatching download is not kept');
});

test('cache: the download happens while the key is computed; same content = cache hit, new content = new key', async (t) => {
  const srv = await fileServer(t);
  srv.files.set('/data', { body: 'v1', lastModified: LM });
  const state = path.dirname((await testWorker(t)).state.root);
  // Each build has its own Worker (one per process), all on one state dir.
  const build = async (): Promise<Awaited<ReturnType<typeof solve>>> => {
    const graph = new GraphBuilder();
    return solve(await testWorker(t, state), graph, addUrl(graph, `${srv.url}/data`));
  };
  const first = await build();
  assert.equal(first.rec.ran.length, 1);
  const second = await build();
  assert.equal(second.rec.ran.length, 0, 'same content and Last-Modified: cached');
  assert.equal(srv.log.length, 2, 'but fetched to know (no ETag to revalidate)');
  srv.files.set('/data', { body: 'v2', lastModified: LM });
  const third = await build();
  assert.equal(third.rec.ran.length, 1);
  assert.equal(await readFile(path.join(third.result.layers[0]!.dir, 'data'), 'utf8'), 'v2');
});

test('ETag: a later build in the same state dir revalidates with If-None-Match and reuses the file on 304', async (t) => {
  const srv = await fileServer(t);
  srv.files.set('/big.bin', { body: 'payload', etag: '"abc"', lastModified: LM });
  const state = path.dirname((await testWorker(t)).state.root);
  // A new Worker per build on the same state dir: the ETag record is persistent, not a process memo.
  const build = async (): Promise<Awaited<ReturnType<typeof solve>>> => {
    const graph = new GraphBuilder();
    return solve(await testWorker(t, state), graph, addUrl(graph, `${srv.url}/big.bin`));
  };
  const first = await build();
  const second = await build();
  assert.deepEqual(srv.log.map((l) => [l.status, l.ifNoneMatch]), [[200, undefined], [304, '"abc"']]);
  assert.equal(second.rec.ran.length, 0);
  assert.equal(second.result.layers[0]!.id, first.result.layers[0]!.id);
  srv.files.set('/big.bin', { body: 'payload 2', etag: '"def"', lastModified: LM });
  const third = await build();
  assert.equal(srv.log.at(-1)?.status, 200);
  assert.equal(await readFile(path.join(third.result.layers[0]!.dir, 'big.bin'), 'utf8'), 'payload 2');
});

test('HTTP_PROXY is honored', async (t) => {
  const srv = await fileServer(t);
  srv.files.set('/via-proxy', { body: 'proxied' });
  const seen: string[] = [];
  const proxy = http.createServer((req, res) => {
    seen.push(req.url ?? '');
    const up = http.request(req.url ?? '', { method: req.method, headers: req.headers }, (r) => { res.writeHead(r.statusCode ?? 502, r.headers); r.pipe(res); });
    req.pipe(up);
  });
  // undici tunnels through the proxy with CONNECT.
  proxy.on('connect', (req: http.IncomingMessage, client: import('node:net').Socket, head: Buffer) => {
    seen.push(req.url ?? '');
    const [host, port] = (req.url ?? '').split(':');
    const up = net.connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      up.write(head);
      up.pipe(client);
      client.pipe(up);
    });
    up.on('error', () => client.destroy());
    client.on('error', () => up.destroy());
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => { proxy.closeAllConnections(); proxy.close(() => r()); }));
  const saved = { HTTP_PROXY: process.env['HTTP_PROXY'], NO_PROXY: process.env['NO_PROXY'], no_proxy: process.env['no_proxy'] };
  process.env['HTTP_PROXY'] = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  delete process.env['NO_PROXY'];
  delete process.env['no_proxy'];
  t.after(() => { for (const [k, v] of Object.entries(saved)) { if (v === undefined) delete process.env[k]; else process.env[k] = v; } });
  const worker = await testWorker(t);
  const graph = new GraphBuilder();
  const { result } = await solve(worker, graph, addUrl(graph, `${srv.url}/via-proxy`));
  assert.equal(await readFile(path.join(result.layers[0]!.dir, 'via-proxy'), 'utf8'), 'proxied');
  assert.equal(seen.length, 1);
  assert.ok([`${srv.url}/via-proxy`, srv.url.slice('http://'.length)].includes(seen[0]!), seen[0]);
});
