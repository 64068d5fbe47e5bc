/**
 * The /etc/resolv.conf and /etc/hosts a RUN container sees, generated like BuildKit's executor/oci
 * (resolvconf.go, hosts.go) and bind-mounted read-only from the bundle dir, so the rootfs never gets them.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { readTextIfExists } from '../util/fs.js';

export const DEFAULT_HOSTNAME = 'buildkitsandbox';

/** Docker's fallback when the host lists no usable nameserver (libnetwork resolvconf, IPv6 enabled). */
const DEFAULT_NAMESERVERS = ['8.8.8.8', '8.8.4.4', '2001:4860:4860::8888', '2001:4860:4860::8844'];
const LOCALHOST_NS = /^\s*nameserver\s+((127\.\d{1,3}\.\d{1,3}\.\d{1,3})|(::1))\s*$/;
const NAMESERVER = /^\s*nameserver\s+\S+/;

export interface EtcFiles { resolvConf: string; hosts: string }

/** /etc/hosts: localhost entries naming the container's hostname, as BuildKit's initHostsFile. */
export function hostsContent(hostname: string): string {
  return `127.0.0.1\tlocalhost ${hostname}\n::1\tlocalhost ip6-localhost ip6-loopback\n`;
}

/**
 * resolv.conf from the host's. With the host network it is used as it is (a 127.x resolver is reachable);
 * otherwise (or when it lists no nameserver at all) loopback nameservers are dropped and, if none remain,
 * Docker's public defaults are added. When the host's file only points at systemd-resolved's stub (127.0.0.53),
 * the non-host case reads the upstream list systemd-resolved keeps, as BuildKit does.
 */
export function resolvConfContent(hostText: string, network: 'host' | 'none'): string {
  const lines = hostText.split('\n');
  const nameservers = lines.filter((l) => NAMESERVER.test(l));
  if (network === 'host' && nameservers.length > 0) return hostText;
  const kept = lines.filter((l) => !LOCALHOST_NS.test(l));
  let out = kept.join('\n');
  if (!kept.some((l) => NAMESERVER.test(l))) {
    if (out !== '' && !out.endsWith('\n')) out += '\n';
    out += DEFAULT_NAMESERVERS.map((ns) => `nameserver ${ns}\n`).join('');
  }
  return out;
}

/** The host's resolv.conf text to start from (see resolvConfContent). */
async function hostResolvConf(network: 'host' | 'none'): Promise<string> {
  const text = (await readTextIfExists('/etc/resolv.conf')) ?? '';
  if (network === 'host') return text;
  const ns = text.split('\n').filter((l) => NAMESERVER.test(l)).map((l) => l.trim().split(/\s+/)[1]);
  if (ns.length > 0 && ns.every((n) => n === '127.0.0.53')) {
    return (await readTextIfExists('/run/systemd/resolve/resolv.conf')) ?? text;
  }
  return text;
}

/** Write hosts and resolv.conf into bundleDir; returns their host paths. */
export async function writeEtcFiles(opts: { bundleDir: string; hostname: string; network: 'host' | 'none' }): Promise<EtcFiles> {
  const resolvConf = path.join(opts.bundleDir, 'resolv.conf');
  const hosts = path.join(opts.bundleDir, 'hosts');
  const resolvText = resolvConfContent(await hostResolvConf(opts.network), opts.network);
  await Promise.all([
    writeFile(resolvConf, resolvText, { mode: 0o644 }),
    writeFile(hosts, hostsContent(opts.hostname), { mode: 0o644 }),
  ]);
  return { resolvConf, hosts };
}
