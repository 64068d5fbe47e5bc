/**
 * SSH agent forwarding for `RUN --mount=type=ssh` (BuildKit's session/sshforward): for each mount a unix socket
 * is served by this process under the run dir, owned and moded as the mount asks (default root, 0600), bound
 * at the target, and every connection to it is relayed to the agent behind the mount's id:
 * - `--ssh default` (no paths): the agent at $SSH_AUTH_SOCK;
 * - `--ssh ID=SOCKET`: that agent socket;
 * - `--ssh ID=KEY[,KEY]`: an `ssh-agent` (openssh-client) started for this RUN and loaded with those keys by
 *   `ssh-add`; passphrase-protected keys are refused, as in BuildKit.
 * Nothing is written into the rootfs; the sockets, the relay and any agent are gone when the RUN ends.
 */
import { chmod, chown, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa, type ResultPromise } from 'execa';
import type { SshSpec } from '../../build/request.js';
import { BuildError, isErrno } from '../../errors.js';
import type { ExecMount as LlbMount } from '../../llb/ops.js';
import type { ExecMount } from '../../runtime/index.js';
import type { PreparedMounts } from './exec-secrets.js';

export async function sshForwards(specs: readonly SshSpec[], mounts: readonly LlbMount[], runDir: string): Promise<PreparedMounts> {
  const wanted = mounts.filter((m) => m.type === 'ssh');
  if (wanted.length === 0) return { mounts: [], cleanup: async () => {} };
  const servers: net.Server[] = [];
  const agents: ResultPromise[] = [];
  await mkdir(runDir, { recursive: true });
  const dir = await mkdtemp(path.join(runDir, 'ssh-'));
  const cleanup = async (): Promise<void> => {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    for (const a of agents) a.kill('SIGTERM');
    await Promise.all(agents.map((a) => a.catch(() => undefined)));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const out: ExecMount[] = [];
    const upstreams = new Map<string, string>();
    for (const [i, m] of wanted.entries()) {
      const id = m.sshId ?? 'default';
      const spec = specs.find((s) => s.id === id);
      if (!spec) {
        if (m.optional) continue;
        throw new BuildError('BK0041', `no SSH key "${id}" forwarded from the client`, { hint: `pass --ssh ${id === 'default' ? 'default' : `${id}=KEYFILE`}` });
      }
      let upstream = upstreams.get(id);
      if (upstream === undefined) {
        upstream = await agentSocket(spec, path.join(dir, `agent-${upstreams.size}.sock`), agents);
        upstreams.set(id, upstream);
      }
      const sock = path.join(dir, `${i}.sock`);
      servers.push(await relay(sock, upstream));
      await chown(sock, m.uid ?? 0, m.gid ?? 0);
      await chmod(sock, m.mode ?? 0o600);
      out.push({ type: 'bind', source: sock, destination: m.dest, readonly: false });
    }
    return { mounts: out, cleanup };
  } catch (e) {
    await cleanup();
    throw e;
  }
}

/** The agent socket behind an --ssh spec, starting an ssh-agent for key files. */
async function agentSocket(spec: SshSpec, newSock: string, agents: ResultPromise[]): Promise<string> {
  if (spec.paths.length === 0) {
    const sock = process.env['SSH_AUTH_SOCK'];
    if (!sock) throw new BuildError('BK0041', `--ssh ${spec.id}: SSH_AUTH_SOCK is not set`, { hint: 'start an ssh-agent, or pass key files: --ssh default=~/.ssh/id_ed25519' });
    return sock;
  }
  const kinds = await Promise.all(spec.paths.map(async (p) => (await stat(p).catch(() => undefined))?.isSocket() ?? false));
  const socket = spec.paths.find((_, i) => kinds[i]);
  if (socket !== undefined) return socket;
  const agent = execa('ssh-agent', ['-D', '-a', newSock], { stdin: 'ignore', stdout: 'ignore', stderr: 'pipe', reject: false, cleanup: true });
  agents.push(agent);
  agent.catch(() => undefined);
  for (let waited = 0; !(await isSocket(newSock)); waited += 10) {
    if (agent.exitCode !== null || waited > 5000) {
      const r = await agent;
      const why = typeof r.stderr === 'string' && r.stderr !== '' ? r.stderr.split('\n')[0] : (r as { code?: string }).code === 'ENOENT' ? 'ssh-agent is not installed (apt-get install openssh-client)' : 'it did not start';
      throw new BuildError('BK0042', `--ssh ${spec.id}: cannot start ssh-agent: ${why}`);
    }
    await sleep(10);
  }
  const add = await execa('ssh-add', ['-q', ...spec.paths], {
    env: { SSH_AUTH_SOCK: newSock, SSH_ASKPASS_REQUIRE: 'never', DISPLAY: '' }, stdin: 'ignore', reject: false,
  });
  if (add.exitCode !== 0) {
    const msg = add.stderr.split('\n').filter((l) => l.trim() !== '')[0] ?? `exit code ${add.exitCode}`;
    throw new BuildError('BK0042', `--ssh ${spec.id}: cannot load ${spec.paths.join(', ')}: ${msg}`, { hint: 'keys must be readable and without a passphrase' });
  }
  return newSock;
}

/** A unix socket server relaying each connection to the upstream socket. */
async function relay(sock: string, upstream: string): Promise<net.Server> {
  const server = net.createServer((client) => {
    const up = net.connect(upstream);
    client.pipe(up).pipe(client);
    const end = (): void => { client.destroy(); up.destroy(); };
    client.on('error', end);
    up.on('error', end);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(sock, () => { server.off('error', reject); resolve(); });
  });
  server.unref();
  return server;
}

async function isSocket(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isSocket();
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return false;
    throw e;
  }
}
