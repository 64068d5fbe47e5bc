import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildSpec, DEFAULT_CAPS, DEFAULT_PATH, type SpecInput } from '../../src/runtime/spec.js';
import { hostsContent, resolvConfContent } from '../../src/runtime/etc-files.js';
import { parseHardNofile } from '../../src/runtime/rlimit.js';

const base: SpecInput = {
  rootfs: '/r', args: ['true'], env: [], cwd: '/', user: { uid: 0, gid: 0, additionalGids: [] }, hostname: 'h',
  network: 'host', rootless: false, noProcessSandbox: false, etc: { resolvConf: '/b/resolv.conf', hosts: '/b/hosts' },
  nofile: { soft: 20000, hard: 20000 }, mounts: [],
};
const dests = (s: ReturnType<typeof buildSpec>) => s.mounts.map((m) => m.destination);
const ns = (s: ReturnType<typeof buildSpec>) => s.linux.namespaces.map((n) => n.type).sort();

test('root spec: writable root, 14 caps, no new privileges allowed, default mounts and namespaces', () => {
  const s = buildSpec(base);
  assert.equal(s.root.readonly, false);
  assert.equal(s.process.noNewPrivileges, false);
  assert.equal(s.process.terminal, false);
  assert.equal(DEFAULT_CAPS.length, 14);
  assert.deepEqual(s.process.capabilities.bounding, DEFAULT_CAPS);
  assert.deepEqual(s.process.capabilities.ambient, []);
  assert.deepEqual(s.process.env, [DEFAULT_PATH]);
  assert.deepEqual(dests(s), ['/proc', '/dev', '/dev/pts', '/dev/shm', '/dev/mqueue', '/sys', '/etc/resolv.conf', '/etc/hosts']);
  assert.equal(s.mounts.find((m) => m.destination === '/sys')!.type, 'sysfs');
  assert.deepEqual(ns(s), ['ipc', 'mount', 'pid', 'uts']);
  assert.deepEqual(ns(buildSpec({ ...base, network: 'none' })), ['ipc', 'mount', 'network', 'pid', 'uts']);
  assert.deepEqual(s.process.rlimits, [{ type: 'RLIMIT_NOFILE', soft: 20000, hard: 20000 }]);
});

test('rootless spec: no user namespace or mappings, no cgroups/resources, /sys as read-only rbind', () => {
  const s = buildSpec({ ...base, rootless: true });
  const raw = s as unknown as { linux: Record<string, unknown> } & Record<string, unknown>;
  assert.ok(!ns(s).includes('user'));
  for (const k of ['uidMappings', 'gidMappings', 'resources', 'cgroupsPath']) assert.equal(raw.linux[k], undefined);
  const sys = s.mounts.find((m) => m.destination === '/sys')!;
  assert.equal(sys.type, 'bind');
  assert.ok(sys.options!.includes('rbind') && sys.options!.includes('ro'));
});

test('no process sandbox: host pid namespace, host /proc bound, /proc masks dropped', () => {
  const s = buildSpec({ ...base, noProcessSandbox: true });
  assert.ok(!ns(s).includes('pid'));
  assert.deepEqual(s.mounts[0], { destination: '/proc', type: 'bind', source: '/proc', options: ['rbind'] });
  assert.ok(s.linux.maskedPaths.every((p) => !p.startsWith('/proc')));
  assert.deepEqual(s.linux.maskedPaths, ['/sys/firmware']);
});

test('extra mounts: bind/tmpfs with ro; a later mount on the same destination wins', () => {
  const s = buildSpec({ ...base, env: ['PATH=/x'], mounts: [
    { type: 'bind', source: '/src', destination: '/etc/hosts', readonly: true },
    { type: 'tmpfs', destination: '/cache/', options: ['size=1m'] },
  ] });
  assert.deepEqual(s.process.env, ['PATH=/x']);
  const hosts = s.mounts.filter((m) => m.destination === '/etc/hosts');
  assert.deepEqual(hosts, [{ destination: '/etc/hosts', type: 'bind', source: '/src', options: ['rbind', 'ro'] }]);
  assert.deepEqual(s.mounts.at(-1), { destination: '/cache/', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'size=1m'] });
  assert.throws(() => buildSpec({ ...base, mounts: [{ type: 'bind', destination: '/x' }] }), /no source/);
});

test('resolv.conf: host network keeps loopback resolvers; otherwise they go, with defaults if none remain', () => {
  const host = 'search example.com\nnameserver 127.0.0.53\noptions edns0\n';
  assert.equal(resolvConfContent(host, 'host'), host);
  const none = resolvConfContent(host, 'none');
  assert.ok(!none.includes('127.0.0.53'));
  assert.match(none, /^search example.com\noptions edns0\n/);
  assert.match(none, /nameserver 8\.8\.8\.8\nnameserver 8\.8\.4\.4\n/);
  assert.equal(resolvConfContent('nameserver 10.0.0.1\nnameserver ::1\n', 'none'), 'nameserver 10.0.0.1\n');
  assert.match(resolvConfContent('', 'host'), /^nameserver 8\.8\.8\.8\n/);
});

test('hosts file names localhost and the hostname', () => {
  assert.equal(hostsContent('buildkitsandbox'), '127.0.0.1\tlocalhost buildkitsandbox\n::1\tlocalhost ip6-localhost ip6-loopback\n');
});

test('hard open-files limit from /proc/self/limits', () => {
  const limits = 'Limit                     Soft Limit           Hard Limit           Units     \n' +
    'Max open files            1024                 20000                files     \n';
  assert.equal(parseHardNofile(limits), 20000);
  assert.equal(parseHardNofile(limits.replace('20000', 'unlimited')), 1048576);
  assert.throws(() => parseHardNofile('nothing'));
});
