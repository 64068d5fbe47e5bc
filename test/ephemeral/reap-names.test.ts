/** Which temp-dir names the reaper looks at: only a session's run dir and ephemeral state dir names. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isSessionDirName } from '../../src/ephemeral/reap.js';

test('session dir names: the prefix plus mkdtemp\'s six characters', () => {
  assert.equal(isSessionDirName('buildctl-AbC123', 'buildctl-'), true);
  assert.equal(isSessionDirName('buildctl-state-x1Y2z3', 'buildctl-'), true);
  assert.equal(isSessionDirName('buildctl-state-x1Y2z3', 'buildctl-state-'), true);
});

test('other buildctl-* entries in a shared temp dir are not looked at', () => {
  for (const name of ['buildctl-test-out-AbC123', 'buildctl-test-ctx-q1w2e3', 'buildctl-AbC12', 'buildctl-AbC1234', 'buildctl-state-', 'buildctl-ab.c12', 'other-AbC123']) {
    assert.equal(isSessionDirName(name, 'buildctl-'), false, name);
  }
  assert.equal(isSessionDirName('buildctl-AbC123', 'buildctl-state-'), false);
});
