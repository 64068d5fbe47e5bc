import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execa } from 'execa';
import { capEffective, detectPrivilege, isIdentityMap, parseIdMap } from '../../src/rootless/privilege.js';
import { findUnmappedOwner, mappedCount, nextFreeSubid } from '../../src/rootless/unmapped-owner.js';
import { rootlesskitLine } from '../../src/rootless/rootlesskit-stderr.js';

test('id maps: identity, rootlesskit-style, counts', () => {
  assert.ok(isIdentityMap(parseIdMap('         0          0 4294967295\n')));
  const rk = parseIdMap('         0       1001          1\n         1     100000      65536\n');
  assert.ok(!isIdentityMap(rk));
  assert.equal(mappedCount(rk), 65537);
  assert.equal(mappedCount(parseIdMap('0 1001 1\n')), 1);
});

test('CapEff: CAP_SYS_ADMIN is bit 21', () => {
  assert.equal((capEffective('Name:\tx\nCapEff:\t000001ffffffffff\n') >> 21n) & 1n, 1n);
  assert.equal((capEffective('CapEff:\t00000000a80425fb\n') >> 21n) & 1n, 0n); // docker's default set
});

test('this process (root) is root; as root without CAP_SYS_ADMIN or in a user namespace it needs rootlesskit', async () => {
  assert.equal(detectPrivilege({}).mode, 'root');
  const probe = `import('${new URL('../../src/rootless/privilege.js', import.meta.url).href}').then((m) => console.log(m.detectPrivilege(process.env).mode))`;
  const noCap = await execa('setpriv', ['--inh-caps=-sys_admin', '--bounding-set=-sys_admin', process.execPath, '-e', probe]);
  assert.equal(noCap.stdout, 'needs-rootlesskit');
  const userns = await execa('unshare', ['--user', '--map-root-user', process.execPath, '-e', probe]);
  assert.equal(userns.stdout, 'needs-rootlesskit');
  const inRootlesskit = await execa('unshare', ['--user', '--map-root-user', process.execPath, '-e', probe], { env: { ROOTLESSKIT_STATE_DIR: '/x' } });
  assert.equal(inRootlesskit.stdout, 'userns');
});

test('tar\'s ownership error is parsed; free subids come after every range', () => {
  assert.deepEqual(findUnmappedOwner(['tar: ./a/b: Cannot change ownership to uid 70000, gid 0: Invalid argument']), { path: '/a/b', uid: 70000, gid: 0 });
  assert.equal(findUnmappedOwner(['tar: something else']), undefined);
  assert.equal(nextFreeSubid('a:100000:65536\nb:165536:1000\n', 'a:100000:65536\n'), 166536);
  assert.equal(nextFreeSubid(''), 100000);
});

test('rootlesskit stderr: exit echoes dropped, its errors shown as its own, our lines untouched', () => {
  assert.deepEqual(rootlesskitLine('[rootlesskit:parent] error: child exited: exit status 3'), { fromRootlesskit: true });
  assert.deepEqual(rootlesskitLine('[rootlesskit:child ] error: command [node x] exited: exit status 1'), { fromRootlesskit: true });
  assert.deepEqual(rootlesskitLine('[rootlesskit:parent] error: failed to setup UID/GID map: x'),
    { show: 'rootlesskit: error: failed to setup UID/GID map: x', fromRootlesskit: true });
  assert.deepEqual(rootlesskitLine('#3 DONE 0.1s'), { show: '#3 DONE 0.1s', fromRootlesskit: false });
});
