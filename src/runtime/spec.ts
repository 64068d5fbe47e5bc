/**
 * The OCI runtime spec (config.json) for one RUN, after BuildKit's executor/oci (GetMounts, GenerateSpec) and
 * /work/shared/RUNTIME-FACTS.md. Pure: everything it needs is passed in, so tests can inspect it.
 *
 * Deliberate differences from BuildKit: no seccomp profile and no /sys/fs/cgroup mount (runc's cgroup v1 mount
 * costs time on every RUN and builds do not need it).
 */
import path from 'node:path';
import type { EtcFiles } from './etc-files.js';
import type { ExecMount, ResolvedUser } from './types.js';

export const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Docker's default capability set (moby/oci/caps/defaults.go). */
export const DEFAULT_CAPS = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
];

const MASKED_PATHS = [
  '/proc/acpi', '/proc/asound', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
  '/proc/timer_stats', '/proc/sched_debug', '/sys/firmware', '/proc/scsi',
];
const READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

export interface SpecMount { destination: string; type: string; source: string; options?: string[] }

/** The subset of the OCI runtime spec we write. */
export interface OciSpec {
  ociVersion: string;
  process: {
    terminal: boolean;
    user: { uid: number; gid: number; additionalGids?: number[] };
    args: string[];
    env: string[];
    cwd: string;
    capabilities: Record<'bounding' | 'effective' | 'permitted' | 'inheritable' | 'ambient', string[]>;
    rlimits: { type: string; hard: number; soft: number }[];
    noNewPrivileges: boolean;
  };
  root: { path: string; readonly: boolean };
  hostname: string;
  mounts: SpecMount[];
  linux: {
    namespaces: { type: string }[];
    maskedPaths: string[];
    readonlyPaths: string[];
    /** Insecure RUN only (spec-insecure.ts). */
    resources?: { devices: { allow: boolean; access: string; type?: string }[] };
    devices?: { path: string; type: string; major: number; minor: number; fileMode: number; uid: number; gid: number }[];
  };
}

export interface SpecInput {
  rootfs: string;
  args: string[];
  env: string[];
  cwd: string;
  user: ResolvedUser;
  hostname: string;
  network: 'host' | 'none';
  rootless: boolean;
  noProcessSandbox: boolean;
  etc: EtcFiles;
  nofile: { soft: number; hard: number };
  mounts: ExecMount[];
}

export function buildSpec(i: SpecInput): OciSpec {
  const env = i.env.some((e) => e.startsWith('PATH=')) ? i.env : [DEFAULT_PATH, ...i.env];
  const namespaces = [{ type: 'ipc' }, { type: 'uts' }, { type: 'mount' }];
  if (!i.noProcessSandbox) namespaces.unshift({ type: 'pid' });
  if (i.network === 'none') namespaces.push({ type: 'network' });
  // With the host's /proc bound in, the /proc entries of maskedPaths/readonlyPaths would hit the host's procfs.
  const keep = (p: string) => !i.noProcessSandbox || !(p === '/proc' || p.startsWith('/proc/'));
  return {
    ociVersion: '1.0.2-dev',
    process: {
      terminal: false,
      user: { uid: i.user.uid, gid: i.user.gid, ...(i.user.additionalGids.length ? { additionalGids: i.user.additionalGids } : {}) },
      args: i.args,
      env,
      cwd: i.cwd,
      // Non-root users lose these at execve (no ambient set), as in Docker.
      capabilities: { bounding: DEFAULT_CAPS, effective: DEFAULT_CAPS, permitted: DEFAULT_CAPS, inheritable: [], ambient: [] },
      rlimits: [{ type: 'RLIMIT_NOFILE', ...i.nofile }],
      // setuid tools (su, sudo) must work as in docker build.
      noNewPrivileges: false,
    },
    root: { path: path.resolve(i.rootfs), readonly: false },
    hostname: i.hostname,
    mounts: dedupMounts([...defaultMounts(i), ...i.mounts.map(toSpecMount)]),
    linux: { namespaces, maskedPaths: MASKED_PATHS.filter(keep), readonlyPaths: READONLY_PATHS.filter(keep) },
  };
}

function defaultMounts(i: SpecInput): SpecMount[] {
  const proc: SpecMount = i.noProcessSandbox
    ? { destination: '/proc', type: 'bind', source: '/proc', options: ['rbind'] }
    : { destination: '/proc', type: 'proc', source: 'proc' };
  // In a user namespace sysfs cannot be mounted anew (runc spec --rootless binds it); gid=5 may be unmapped there.
  const sys: SpecMount = i.rootless
    ? { destination: '/sys', type: 'bind', source: '/sys', options: ['rbind', 'nosuid', 'noexec', 'nodev', 'ro'] }
    : { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] };
  const ptsOpts = ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', ...(i.rootless ? [] : ['gid=5'])];
  const etcOpts = ['nosuid', 'noexec', 'nodev', 'rbind', 'ro'];
  return [
    proc,
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ptsOpts },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    sys,
    { destination: '/etc/resolv.conf', type: 'bind', source: i.etc.resolvConf, options: etcOpts },
    { destination: '/etc/hosts', type: 'bind', source: i.etc.hosts, options: etcOpts },
  ];
}

function toSpecMount(m: ExecMount): SpecMount {
  const ro = m.readonly ? ['ro'] : [];
  if (m.type === 'tmpfs') {
    return { destination: m.destination, type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', ...ro, ...(m.options ?? [])] };
  }
  if (m.source === undefined) throw new Error(`bind mount on ${m.destination} has no source`);
  return { destination: m.destination, type: 'bind', source: m.source, options: ['rbind', ...ro, ...(m.options ?? [])] };
}

/** A later mount on the same destination replaces an earlier one (BuildKit's dedupMounts). */
function dedupMounts(mounts: SpecMount[]): SpecMount[] {
  const last = new Map(mounts.map((m, idx) => [path.posix.normalize(m.destination), idx]));
  return mounts.filter((m, idx) => last.get(path.posix.normalize(m.destination)) === idx);
}
