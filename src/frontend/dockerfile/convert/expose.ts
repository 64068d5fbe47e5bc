/** EXPOSE port specs -> "port/proto" keys, as BuildKit's convert_expose.go parses them (ranges, ip:host:container). */
import { isIP } from 'node:net';

export class PortSpecError extends Error {}

export function parsePortSpecs(specs: readonly string[]): string[] {
  return specs.flatMap(parsePortSpec);
}

function parsePortSpec(raw: string): string[] {
  const parts = raw.split(':');
  let ip = '';
  let hostPort = '';
  let containerPort: string;
  if (parts.length === 1) containerPort = parts[0]!;
  else if (parts.length === 2) [hostPort, containerPort] = parts as [string, string];
  else {
    const n = parts.length;
    ip = parts.slice(0, n - 2).join(':');
    hostPort = parts[n - 2]!;
    containerPort = parts[n - 1]!;
  }
  const slash = containerPort.indexOf('/');
  const port = slash < 0 ? containerPort : containerPort.slice(0, slash);
  let proto = slash < 0 ? '' : containerPort.slice(slash + 1).toLowerCase();
  if (port === '') throw new PortSpecError(`no port specified: ${containerPort}<empty>`);
  if (proto === '') proto = 'tcp';
  if (!['tcp', 'udp', 'sctp'].includes(proto)) throw new PortSpecError(`invalid proto: ${proto}`);
  if (ip.startsWith('[')) {
    if (!ip.endsWith(']')) throw new PortSpecError(`invalid IP address ${ip}`);
    ip = ip.slice(1, -1);
  }
  if (ip !== '' && isIP(ip) === 0) throw new PortSpecError(`invalid IP address: ${ip}`);
  const range = parseRange(port);
  if (!range) throw new PortSpecError(`invalid containerPort: ${port}`);
  if (hostPort !== '') {
    const h = parseRange(hostPort);
    if (!h) throw new PortSpecError(`invalid hostPort: ${hostPort}`);
    if (range[1] - range[0] !== h[1] - h[0] && range[1] !== range[0]) {
      throw new PortSpecError(`invalid ranges specified for container and host Ports: ${port} and ${hostPort}`);
    }
  }
  const out: string[] = [];
  for (let p = range[0]; p <= range[1]; p++) out.push(`${p}/${proto}`);
  return out;
}

function parseRange(s: string): [number, number] | undefined {
  const num = (v: string): number | undefined => (/^[0-9]+$/.test(v) && Number(v) <= 65535 ? Number(v) : undefined);
  if (!s.includes('-')) {
    const n = num(s);
    return n === undefined ? undefined : [n, n];
  }
  const parts = s.split('-');
  if (parts.length !== 2) return undefined;
  const a = num(parts[0]!);
  const b = num(parts[1]!);
  if (a === undefined || b === undefined || b < a) return undefined;
  return [a, b];
}
