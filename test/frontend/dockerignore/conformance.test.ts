import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dockerignoreSets } from '../../../src/frontend/dockerfile/conformance/sets/dockerignore.js';

const root = process.env['CONFORMANCE_DIR'] ?? '/work/shared/conformance';

for (const set of dockerignoreSets) {
  test(`conformance ${set.name}`, async () => {
    const results = await set.run(root);
    assert.ok(results.length > 0);
    assert.deepEqual(results.filter((r) => !r.ok), []);
  });
}
