import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shellSets } from '../../../src/frontend/dockerfile/conformance/sets/shell.js';

const root = process.env['CONFORMANCE_DIR'] ?? '/work/shared/conformance';

// derived/shell-word-expansion.json is not asserted whole here: 29 of its `error: true` cases
// contradict upstream lex_test.go (see lex.test.ts, which asserts the upstream values).
for (const set of shellSets.filter((s) => s.name.startsWith('shell/'))) {
  test(`conformance ${set.name}`, async () => {
    const results = await set.run(root);
    assert.ok(results.length > 0);
    assert.deepEqual(results.filter((r) => !r.ok), []);
  });
}
