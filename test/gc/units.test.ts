import { test } from 'node:test';
import assert from 'node:assert/strict';
import { humanDuration, humanSize, parseBytes, parseDuration } from '../../src/gc/units.js';
import { tabwrite } from '../../src/gc/tabwriter.js';
import { parseFilter } from '../../src/gc/filter.js';
import type { UsageRecord } from '../../src/gc/records.js';

test('humanSize and humanDuration print as go-units does', () => {
  assert.equal(humanSize(512), '512B');
  assert.equal(humanSize(1234567), '1.235MB');
  assert.equal(humanSize(3_000_000), '3MB');
  assert.equal(humanSize(4096), '4.096kB');
  assert.equal(humanDuration(500), 'Less than a second');
  assert.equal(humanDuration(30_000), '30 seconds');
  assert.equal(humanDuration(61_000), 'About a minute');
  assert.equal(humanDuration(3 * 3600_000), '3 hours');
});

test('sizes and durations read from flags', () => {
  assert.equal(parseBytes('10', '--keep-storage', 1e6), 10_000_000);
  assert.equal(parseBytes('1.5GB', 'x'), 1_500_000_000);
  assert.equal(parseBytes('2MiB', 'x'), 2 * 1024 * 1024);
  assert.throws(() => parseBytes('ten', 'x'), /not a size/);
  assert.equal(parseDuration('1h30m', 'x'), 5_400_000);
  assert.throws(() => parseDuration('5 days', 'x'), /not a duration/);
});

test('tabwrite aligns columns with tabs like Go tabwriter(1, 8, 1, \\t)', () => {
  assert.equal(tabwrite('ID\tSIZE\nabcdefghij\t1\n'), 'ID\t\tSIZE\nabcdefghij\t1\n');
  assert.equal(tabwrite('Reclaimable:\t1B\nTotal:\t1B\n'), 'Reclaimable:\t1B\nTotal:\t\t1B\n');
});

test('filters: ==, !=, ~=, until; unknown keys refused with a hint', () => {
  const now = new Date();
  const r: UsageRecord = { id: 'abc', type: 'exec.cachemount', paths: [], size: 1, createdAt: now, lastUsedAt: new Date(now.getTime() - 7200_000), description: 'd', referenced: false, inUse: true };
  assert.equal(parseFilter('type==exec.cachemount')(r, now), true);
  assert.equal(parseFilter('type!=exec.cachemount')(r, now), false);
  assert.equal(parseFilter('id~=^ab')(r, now), true);
  assert.equal(parseFilter('until=1h')(r, now), true);
  assert.equal(parseFilter('until=3h')(r, now), false);
  assert.equal(parseFilter('inuse==true')(r, now), true);
  assert.equal(parseFilter('reclaimable==true')(r, now), false);
  assert.throws(() => parseFilter('tpye==regular'), /did you mean type/);
});
