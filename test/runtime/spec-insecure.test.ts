import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildSpec, DEFAULT_CAPS, type SpecInput } from '../../src/runtime/spec.js';
import { ALL_CAPS, applyInsecure, capSet } from '../../src/runtime/spec-insecure.js';
import { checkEntitlements } from '../../src/solver/ops/exec-entitlements.js';
import type { ExecOp } from '../../src/llb/ops.js';

const base: SpecInput = {
  rootfs: '/r', args: ['true'], env: [], cwd: '/', user: { uid: 0, gid: 0, additionalGids: [] }, hostname: 'h',
  network: 'host', rootless: false, noProcessSandbox: false, etc: { resolvConf: '/b/resolv.conf', hosts: '/b/hosts' },
  nofile: { soft: 20000, hard: 20000 }, mounts: [],
};

test('insecure (root): all caps, nothing masked, /sys writable, all devices allowed, loop devices', () => {
  const s = applyInsecure(buildSpec(base), { rootless: false, bounding: ALL_CAPS.map((_, n) => n), loopDevices: 9 });
  assert.equal(s.process.capabilities.bounding.length, 41);
  assert.ok(s.process.capabilities.effective.includes('CAP_SYS_ADMIN'));
  assert.deepEqual(s.linux.maskedPaths, []);
  assert.deepEqual(s.linux.readonlyPaths, []);
  assert.ok(!s.mounts.find((m) => m.destination === '/sys')!.options!.includes('ro'));
  assert.deepEqual(s.linux.resources, { devices: [{ allow: true, access: 'rwm' }] });
  assert.equal(s.linux.devices!.length, 9);
  assert.deepEqual(s.linux.devices![3], { path: '/dev/loop3', type: 'b', major: 7, minor: 3, fileMode: 0o660, uid: 0, gid: 0 });
});

test('insecure (rootless): caps and paths as root, but no device cgroup or device nodes; only caps we hold', () => {
  const bounding = capSet('Name:\tx\nCapBnd:\t000000fffffffeff\n', 'CapBnd');
  assert.equal(bounding.includes(8), false);
  assert.equal(bounding.length, 39);
  const s = applyInsecure(buildSpec({ ...base, rootless: true }), { rootless: true, bounding, loopDevices: 0 });
  assert.deepEqual(s.process.capabilities.bounding, ALL_CAPS.filter((c) => c !== 'CAP_SETPCAP').slice(0, 39));
  assert.equal(s.linux.resources, undefined);
  assert.equal(s.linux.devices, undefined);
  assert.ok(!s.mounts.find((m) => m.destination === '/sys')!.options!.includes('ro'));
});

test('the sandbox spec keeps the default caps and masked paths', () => {
  const s = buildSpec(base);
  assert.deepEqual(s.process.capabilities.bounding, DEFAULT_CAPS);
  assert.ok(s.linux.maskedPaths.includes('/proc/kcore'));
});

test('entitlements: host network and insecure need --allow', () => {
  const op = (network: ExecOp['network'], security: ExecOp['security']): ExecOp => ({ kind: 'exec', meta: { args: [], env: [], cwd: '/', user: '' }, mounts: [], network, security });
  assert.doesNotThrow(() => checkEntitlements(op('default', 'sandbox'), []));
  assert.doesNotThrow(() => checkEntitlements(op('none', 'sandbox'), []));
  assert.throws(() => checkEntitlements(op('host', 'sandbox'), []), /RUN --network=host: entitlement network.host is not allowed/);
  assert.throws(() => checkEntitlements(op('default', 'insecure'), ['network.host']), /entitlement security.insecure is not allowed/);
  assert.doesNotThrow(() => checkEntitlements(op('host', 'insecure'), ['network.host', 'security.insecure']));
});
