import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runConformance } from '../../../src/frontend/dockerfile/conformance/run.js';
import type { ConformanceSet } from '../../../src/frontend/dockerfile/conformance/set.js';

test('runner reports failures with details, per-set counts and a final total', async () => {
  const sets: ConformanceSet[] = [
    { name: 'good', run: async () => [{ name: 'a', ok: true }, { name: 'b', ok: true }] },
    { name: 'bad', run: async () => [{ name: 'c', ok: false, detail: 'want 1\ngot 2' }, { name: 'd', ok: true }] },
    { name: 'broken', run: async () => { throw new Error('missing data'); } },
  ];
  const lines: string[] = [];
  const totals = await runConformance('/nonexistent', sets, (l) => lines.push(l));
  assert.deepEqual(totals, { passed: 3, failed: 2, skipped: 0 });
  assert.deepEqual(lines, [
    'good: 2 passed, 0 failed',
    '  FAIL bad :: c\n    want 1\n    got 2',
    'bad: 1 passed, 1 failed',
    '  FAIL broken :: (set)\n    missing data',
    'broken: 0 passed, 1 failed',
    '3 passed, 2 failed',
  ]);
});
