/**
 * RUN --security=insecure, as BuildKit's insecure mode (util/entitlements/security: WithInsecureSpec, plus
 * oci.WithWriteableSysfs): every capability, no masked or read-only paths, a writable /sys, and as root the
 * device cgroup opened to all devices with loop device nodes /dev/loop0..N made in the container's /dev
 * (N = the first free loop device + 7, as BuildKit), so `mount -o loop` works.
 * Rootless (inside rootlesskit's user namespace) there is no device cgroup and no mknod: capabilities are those
 * of the namespace, which is what rootlesskit allows; devices are left alone.
 */
import { readFile } from 'node:fs/promises';
import { execa } from 'execa';
import type { OciSpec } from './spec.js';

/** Every capability Linux defines up to 6.x (CAP_CHECKPOINT_RESTORE = 40), in number order. */
export const ALL_CAPS = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID', 'CAP_SETUID',
  'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST', 'CAP_NET_ADMIN', 'CAP_NET_RAW',
  'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE', 'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME', 'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD',
  'CAP_LEASE', 'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL', 'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG',
  'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
];

export interface InsecureOptions {
  readonly rootless: boolean;
  /**
   * Capability numbers this process may hand out: its bounding set (/proc/self/status CapBnd). Root in a
   * container may lack some (e.g. CAP_SYS_RESOURCE), and runc fails to apply a capability it lacks.
   */
  readonly bounding: readonly number[];
  /** Number of loop device nodes to create (root only). */
  readonly loopDevices: number;
}

/** Turn a RUN spec into BuildKit's insecure one (mutates and returns it). */
export function applyInsecure(spec: OciSpec, o: InsecureOptions): OciSpec {
  const caps = ALL_CAPS.filter((_, n) => o.bounding.includes(n));
  spec.process.capabilities = { bounding: caps, effective: caps, permitted: caps, inheritable: caps, ambient: [] };
  spec.linux.maskedPaths = [];
  spec.linux.readonlyPaths = [];
  for (const m of spec.mounts) {
    if (m.destination === '/sys') m.options = (m.options ?? []).filter((opt) => opt !== 'ro');
  }
  if (!o.rootless) {
    spec.linux.resources = { devices: [{ allow: true, access: 'rwm' }] };
    spec.linux.devices = Array.from({ length: o.loopDevices }, (_, n) => ({
      path: `/dev/loop${n}`, type: 'b', major: 7, minor: n, fileMode: 0o660, uid: 0, gid: 0,
    }));
  }
  return spec;
}

/** What applyInsecure needs to know about this machine. */
export async function probeInsecure(rootless: boolean): Promise<InsecureOptions> {
  const status = await readFile('/proc/self/status', 'utf8');
  let loopDevices = 0;
  if (!rootless) {
    const r = await execa('losetup', ['-f'], { reject: false });
    const m = /\/dev\/loop(\d+)/.exec(r.stdout ?? '');
    loopDevices = m ? Number(m[1]) + 7 : 8;
  }
  return { rootless, bounding: capSet(status, 'CapBnd'), loopDevices };
}

/** Capability numbers set in a /proc/PID/status mask line (e.g. "CapBnd:\t000001ffffffffff"). */
export function capSet(status: string, field: string): number[] {
  const m = new RegExp(`^${field}:\\s*([0-9a-f]+)$`, 'm').exec(status);
  const mask = m ? BigInt(`0x${m[1]}`) : 0n;
  return ALL_CAPS.map((_, n) => n).filter((n) => (mask >> BigInt(n)) & 1n);
}
