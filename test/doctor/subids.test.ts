/** /etc/subuid and /etc/subgid: the test users bknosubid (no range) and bknarrow (1000 ids). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { line, runDoctor, testUser } from './helpers.js';

/** The free range the fix should offer: after the highest end in either file (at least 100000), 65536 wide. */
function expectedSpan(): string {
  let first = 100000;
  for (const f of ['/etc/subuid', '/etc/subgid']) {
    for (const l of readFileSync(f, 'utf8').split('\n')) {
      const [, start, count] = l.split(':');
      if (start !== undefined && count !== undefined) first = Math.max(first, Number(start) + Number(count));
    }
  }
  return `${first}-${first + 65535}`;
}

test('no subuid/subgid range: FAIL with a usermod fix on a free range; rootlesskit says why it cannot start', async () => {
  const u = testUser('noSubid');
  const r = await runDoctor({ user: u });
  assert.equal(r.code, 1, r.stdout);
  const fix = `sudo usermod --add-subuids ${expectedSpan()} --add-subgids ${expectedSpan()} ${u.name}`;
  assert.deepEqual(line(r, 'subuid'), { status: 'FAIL', detail: `no range for ${u.name} (uid ${u.uid}) in /etc/subuid`, fix });
  assert.deepEqual(line(r, 'subgid'), { status: 'FAIL', detail: `no range for ${u.name} (uid ${u.uid}) in /etc/subgid`, fix });
  const start = line(r, 'rootlesskit-start');
  assert.equal(start.status, 'FAIL');
  assert.match(start.detail, /^rootlesskit --net=host --copy-up=\/etc failed after \d+ ms: failed to setup UID\/GID map: .*No subuid ranges found for user/);
  assert.equal(start.fix, fix);
});

test('a range of 1000 ids: FAIL (fewer than 65536) with the fix; rootlesskit starts with what there is', async () => {
  const u = testUser('narrow');
  const r = await runDoctor({ user: u });
  assert.equal(r.code, 1, r.stdout);
  const sub = line(r, 'subuid');
  assert.equal(sub.status, 'FAIL');
  assert.match(sub.detail, new RegExp(`^${u.name} \\(uid ${u.uid}\\) has 1000 ids in /etc/subuid \\(\\d+-\\d+\\), fewer than 65536: files owned by ids above 1000 cannot exist in a build$`));
  assert.equal(sub.fix, `sudo usermod --add-subuids ${expectedSpan()} --add-subgids ${expectedSpan()} ${u.name}`);
  assert.equal(line(r, 'subgid').status, 'FAIL');
  const start = line(r, 'rootlesskit-start');
  assert.equal(start.status, 'PASS', start.detail);
  assert.match(start.detail, new RegExp(`uid map 0->${u.uid}, 1-1000->\\d+-\\d+$`));
});

test('already inside rootlesskit: subuid/subgid are read from the namespace maps', async () => {
  const within = (name: string) => ['rootlesskit', '--net=host', '--copy-up=/etc', `--state-dir=${os.tmpdir()}/buildctl-doctor-test-rk-${name}-${process.pid}`];
  const wide = await runDoctor({ user: testUser('rootless'), within: within('wide') });
  assert.equal(wide.code, 0, wide.stdout);
  assert.deepEqual(line(wide, 'subuid'), { status: 'PASS', detail: 'inside rootlesskit: 65537 ids in /proc/self/uid_map' });
  assert.deepEqual(line(wide, 'rootlesskit-start'), { status: 'PASS', detail: 'not needed: already inside rootlesskit' });
  const narrow = await runDoctor({ user: testUser('narrow'), within: within('narrow') });
  assert.equal(narrow.code, 1, narrow.stdout);
  assert.deepEqual(line(narrow, 'subgid'), {
    status: 'FAIL', detail: 'inside rootlesskit: only 1001 ids in /proc/self/gid_map, fewer than 65537',
    fix: 'run "buildctl doctor" outside rootlesskit for the usermod command that widens /etc/subgid',
  });
});
