/**
 * A real registry for tests: Debian's `docker-registry` (distribution 2.8) on a free loopback port, with
 * filesystem storage in a temp dir and deletes enabled; optionally htpasswd (bcrypt) auth and TLS.
 * Most tests use the shared registry from scripts/test-setup.sh (see env.ts); start your own only to test
 * auth, TLS, or something that changes or deletes repositories.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const START_TIMEOUT_MS = 10_000;

export interface RunningRegistry {
  /** "127.0.0.1:PORT" */
  host: string;
  storageDir: string;
  stop(): Promise<void>;
}

export interface RegistryOptions {
  htpasswd?: { user: string; password: string };
  tls?: { certFile: string; keyFile: string };
}

export interface PushOptions {
  /** Convert to this manifest format; without it the layout is pushed exactly as it is (same digests). */
  format?: 'oci' | 'v2s2';
  /** "user:password" */
  creds?: string;
}

/** Registries still running in this process; killed if the process exits without stop(). */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export async function startRegistry(opts: RegistryOptions = {}): Promise<RunningRegistry> {
  const dir = await mkdtemp(join(tmpdir(), 'test-registry-'));
  try {
    const auth = opts.htpasswd ? await writeHtpasswd(dir, opts.htpasswd) : undefined;
    // A port picked by the kernel can be taken again before the registry binds it: retry a few times.
    for (let attempt = 1; ; attempt++) {
      const started = await tryStart({ dir, auth, tls: opts.tls });
      if (started) return started;
      if (attempt === 3) throw new Error(`docker-registry did not start (apt-get install docker-registry); its log:\n${readFileSync(join(dir, 'registry.log'), 'utf8')}`);
    }
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/** Pushes an OCI layout (single image or index: all of it) with skopeo. TLS is not verified (loopback tests). */
export async function pushLayout(layoutDir: string, ref: string, opts: PushOptions = {}): Promise<void> {
  const args = ['copy', '--quiet', '--all', '--dest-tls-verify=false'];
  args.push(...(opts.format ? ['--format', opts.format] : ['--preserve-digests']));
  if (opts.creds) args.push('--dest-creds', opts.creds);
  args.push(`oci:${layoutDir}`, `docker://${ref}`);
  try {
    await run('skopeo', args);
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? '';
    throw new Error(`skopeo copy oci:${layoutDir} docker://${ref} failed: ${stderr.trim() || String(err)}`);
  }
}

async function writeHtpasswd(dir: string, creds: { user: string; password: string }): Promise<string> {
  // The registry only accepts bcrypt entries; htpasswd is in Debian's apache2-utils.
  const { stdout } = await run('htpasswd', ['-Bbn', creds.user, creds.password]);
  const path = join(dir, 'htpasswd');
  await writeFile(path, stdout);
  return path;
}

interface StartAttempt {
  dir: string;
  auth: string | undefined;
  tls: RegistryOptions['tls'];
}

async function tryStart(a: StartAttempt): Promise<RunningRegistry | undefined> {
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const storageDir = join(a.dir, 'data');
  const config = {
    version: '0.1',
    log: { level: 'error', accesslog: { disabled: true } },
    storage: { filesystem: { rootdirectory: storageDir }, delete: { enabled: true } },
    http: {
      addr: host,
      secret: 'test-registry',
      ...(a.tls ? { tls: { certificate: a.tls.certFile, key: a.tls.keyFile } } : {}),
    },
    ...(a.auth ? { auth: { htpasswd: { realm: 'test-registry', path: a.auth } } } : {}),
  };
  const configFile = join(a.dir, 'config.yml');
  await writeFile(configFile, JSON.stringify(config)); // JSON is YAML
  const log = openSync(join(a.dir, 'registry.log'), 'w');
  const child = spawn('docker-registry', ['serve', configFile], { stdio: ['ignore', log, log] });
  closeSync(log);
  child.unref();
  live.add(child);
  // A spawn failure (ENOENT) emits 'error' and no 'exit': both mean the registry is gone.
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
  const up = await waitUntilAnswering({ host, tls: Boolean(a.tls), exited });
  if (!up) {
    await stopChild(child, exited);
    return undefined;
  }
  let stopping: Promise<void> | undefined;
  return {
    host,
    storageDir,
    stop: () => (stopping ??= stopChild(child, exited).then(() => rm(a.dir, { recursive: true, force: true }))),
  };
}

/** Polls GET /v2/ until the registry answers anything (401 counts: auth is on), it exits, or time runs out. */
async function waitUntilAnswering(w: { host: string; tls: boolean; exited: Promise<void> }): Promise<boolean> {
  let dead = false;
  void w.exited.then(() => (dead = true));
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline && !dead) {
    if (await answers(w.host, w.tls)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

function answers(host: string, tls: boolean): Promise<boolean> {
  return new Promise((resolve) => {
    const get = tls ? https.get : http.get;
    const req = get(`${tls ? 'https' : 'http'}://${host}/v2/`, { rejectUnauthorized: false, timeout: 1000 }, (res) => {
      res.resume();
      resolve(true);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  }
  live.delete(child);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const addr = server.address();
      server.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}
