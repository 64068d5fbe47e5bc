/**
 * `docker run` without docker: runs an unpacked OCI image's rootfs in runc with the runtime spec Docker would
 * give it, for tests that check our own image from the outside (test/e2e/dogfood.test.ts).
 *
 * Like Docker's overlay2 driver, the rootfs is an overlay mount (lower = the unpacked image, upper on the host's
 * disk), so the container's / is an overlayfs as under `docker run`; volumes are bind mounts of host dirs.
 * The network is the host's (`--network=host`): the test registry is on 127.0.0.1.
 *
 *   privileged: true   `docker run --privileged`: every capability, no seccomp/AppArmor, no masked or
 *                      read-only /proc paths, /sys and cgroups writable, every device allowed.
 *   privileged: false  `docker run --security-opt seccomp=unconfined --security-opt apparmor=unconfined`:
 *                      Docker's 14 default capabilities as the bounding set (a non-root user has none in
 *                      effect; setuid binaries get them back), its masked and read-only /proc paths, /sys and
 *                      cgroups read-only, no seccomp profile. What BuildKit documents for moby/buildkit:rootless.
 * Docker's spec source: moby/daemon/oci_linux.go and oci/defaults.go (caps, masked and read-only paths).
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { run } from './helpers.js';

/** Docker's default capabilities (moby oci/caps/defaults.go). */
const DOCKER_CAPS = ['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE'];
const MASKED = ['/proc/asound', '/proc/acpi', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
  '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/devices/virtual/powercap'];
const READONLY = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/**
 * `--privileged`: every capability the caller has (its bounding set: dockerd gives what it has; root on this machine
 * lacks CAP_SYS_RESOURCE, and runc fails to apply a capability it cannot hold).
 */
async function allCaps(): Promise<string[]> {
  const status = await readFile('/proc/self/status', 'utf8');
  const bnd = BigInt('0x' + (/^CapBnd:\s+([0-9a-f]+)/m.exec(status)?.[1] ?? '0'));
  const names = ['CHOWN', 'DAC_OVERRIDE', 'DAC_READ_SEARCH', 'FOWNER', 'FSETID', 'KILL', 'SETGID', 'SETUID', 'SETPCAP',
    'LINUX_IMMUTABLE', 'NET_BIND_SERVICE', 'NET_BROADCAST', 'NET_ADMIN', 'NET_RAW', 'IPC_LOCK', 'IPC_OWNER', 'SYS_MODULE',
    'SYS_RAWIO', 'SYS_CHROOT', 'SYS_PTRACE', 'SYS_PACCT', 'SYS_ADMIN', 'SYS_BOOT', 'SYS_NICE', 'SYS_RESOURCE', 'SYS_TIME',
    'SYS_TTY_CONFIG', 'MKNOD', 'LEASE', 'AUDIT_WRITE', 'AUDIT_CONTROL', 'SETFCAP', 'MAC_OVERRIDE', 'MAC_ADMIN', 'SYSLOG',
    'WAKE_ALARM', 'BLOCK_SUSPEND', 'AUDIT_READ', 'PERFMON', 'BPF', 'CHECKPOINT_RESTORE'];
  return names.filter((_, bit) => (bnd >> BigInt(bit)) & 1n).map((n) => `CAP_${n}`);
}

/** The caller's hard RLIMIT_NOFILE: a spec asking for more fails here (RUNTIME-FACTS). */
async function nofileHard(): Promise<number> {
  const limits = await readFile('/proc/self/limits', 'utf8');
  const m = /^Max open files\s+\d+\s+(\d+)/m.exec(limits);
  return m ? Number(m[1]) : 1024;
}

export interface Bind { source: string; destination: string; readonly?: boolean }

export interface DockerRunOptions {
  /** The unpacked image rootfs (not modified: writes go to an overlay upper dir). */
  rootfs: string;
  /** The whole command line (entrypoint + arguments). */
  args: string[];
  /** "KEY=VALUE" entries (the image's Env plus any -e). */
  env: string[];
  uid: number;
  gid: number;
  cwd?: string;
  privileged: boolean;
  /** Volumes and -v binds. */
  binds: Bind[];
  /** Kill the container after this long (ms). */
  timeoutMs: number;
}

export interface DockerRunResult { code: number; stdout: string; stderr: string }

function spec(o: DockerRunOptions, caps: string[], nofile: number): object {
  const bind = (b: Bind) => ({ destination: b.destination, type: 'bind', source: b.source,
    options: ['rbind', b.readonly ? 'ro' : 'rw'] });
  const ro = o.privileged ? 'rw' : 'ro';
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: false,
      user: { uid: o.uid, gid: o.gid },
      args: o.args,
      env: o.env,
      cwd: o.cwd ?? '/',
      capabilities: { bounding: caps, effective: caps, permitted: caps, inheritable: [], ambient: [] },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: nofile, soft: nofile }],
      noNewPrivileges: false,
    },
    root: { path: 'rootfs', readonly: false },
    hostname: 'dogfood',
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
      { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
      { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
      { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
      { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', ro] },
      { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', ro] },
      { destination: '/etc/resolv.conf', type: 'bind', source: '/etc/resolv.conf', options: ['rbind', 'ro'] },
      ...o.binds.map(bind),
    ],
    linux: {
      namespaces: [{ type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }],
      ...(o.privileged
        ? { resources: { devices: [{ allow: true, access: 'rwm' }] } }
        : { maskedPaths: MASKED, readonlyPaths: READONLY, resources: { devices: [{ allow: false, access: 'rwm' }] } }),
    },
  };
}

/** Runs one container to completion; the overlay, bundle and runc state are removed whatever happens. */
export async function dockerRun(o: DockerRunOptions): Promise<DockerRunResult> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'buildctl-test-docker-run-'));
  const id = `dogfood-${process.pid}-${path.basename(dir).slice(-6)}`;
  const runcRoot = path.join(dir, 'runc');
  const merged = path.join(dir, 'bundle', 'rootfs');
  await Promise.all(['upper', 'work', 'runc', 'bundle/rootfs'].map((d) => mkdir(path.join(dir, d), { recursive: true })));
  await run('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${o.rootfs},upperdir=${dir}/upper,workdir=${dir}/work`, merged]);
  try {
    const caps = o.privileged ? await allCaps() : DOCKER_CAPS;
    await writeFile(path.join(dir, 'bundle', 'config.json'), JSON.stringify(spec(o, caps, await nofileHard())));
    return await runc(['--root', runcRoot, 'run', '--bundle', path.join(dir, 'bundle'), id], o.timeoutMs);
  } finally {
    await run('runc', ['--root', runcRoot, 'delete', '--force', id]).catch(() => undefined);
    await run('umount', ['-l', merged]).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}

function runc(args: string[], timeoutMs: number): Promise<DockerRunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('runc', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const timer = setTimeout(() => { stderr += `\n[docker-run: killed after ${timeoutMs} ms]\n`; child.kill('SIGKILL'); }, timeoutMs);
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('close', (code, signal) => { clearTimeout(timer); resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr }); });
  });
}
