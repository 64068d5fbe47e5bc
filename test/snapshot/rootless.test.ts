/**
 * Rootless mode inside a user namespace: device nodes are skipped (not an error), trusted.* xattrs are dropped,
 * whiteouts are still char devices 0:0, opaque dirs use user.overlay.opaque, and an overlay with `userxattr`
 * honours both; writeLayerTar(rootless) turns them back into OCI markers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { craftTar, scratch } from './helpers.js';

const child = fileURLToPath(new URL('./rootless-child.js', import.meta.url));

test('rootless unpack, userxattr overlay and diff in a user namespace', async (t) => {
  const dir = await scratch(t);
  const base = await craftTar(path.join(dir, 'base.tar'), [
    { path: 'a' }, { path: 'b' },
    { path: 'd/', type: 'Directory', mode: 0o755 }, { path: 'd/old' },
    { path: 'dev/', type: 'Directory', mode: 0o755 },
    { path: 'dev/null', type: 'CharacterDevice', mode: 0o666, devmaj: 1, devmin: 3 },
    { path: 'f', xattrs: new Map([['trusted.t', Buffer.from('1')], ['user.k', Buffer.from('v')]]) },
  ]);
  const top = await craftTar(path.join(dir, 'top.tar'), [
    { path: '.wh.a' }, { path: 'd/', type: 'Directory', mode: 0o755 }, { path: 'd/.wh..wh..opq' }, { path: 'd/new' },
  ]);
  const unmapped = await craftTar(path.join(dir, 'unmapped.tar'), [{ path: 'home/', type: 'Directory', mode: 0o755 }, { path: 'home/f', uid: 1000, gid: 1000 }]);
  const out = execFileSync('unshare', ['--user', '--map-root-user', '--mount', process.execPath, child, dir, base, top, unmapped], { encoding: 'utf8' });
  const r = JSON.parse(out) as { unmapped: string; base: string[]; top: string[]; view: { root: string[]; d: string[] }; diff: string[] };

  assert.ok(r.base.includes('dev dir 755 0:0'), 'dev/ is there');
  assert.ok(!r.base.some((l) => l.startsWith('dev/null')), 'the device node was skipped');
  assert.ok(r.base.some((l) => /^f file .* user\.k=dg==$/.test(l)), 'user.* xattrs kept, trusted.* dropped');
  assert.ok(r.top.includes('a whiteout'));
  assert.ok(r.top.includes('d dir 755 0:0 user.overlay.opaque=eQ=='), r.top.join('\n'));
  assert.deepEqual(r.view, { root: ['b', 'd', 'dev', 'f'], d: ['new'] });
  assert.deepEqual(r.diff, ['.wh.a', 'd/', 'd/.wh..wh..opq', 'd/new']);
  // Only uid 0 is mapped here: a file owned by 1000 cannot be created as such; the error names it, the id and the fix.
  assert.match(r.unmapped, /^BK0005 layer file \/home\/f is owned by uid 1000, outside the ids this user namespace maps \(uids 0-0, gids 0-0\) \| widen \/etc\/subuid and \/etc\/subgid: sudo usermod --add-subuids \d+-\d+ --add-subgids \d+-\d+ /);
});
