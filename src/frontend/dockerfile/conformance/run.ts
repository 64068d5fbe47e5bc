/**
 * Conformance runner: `node dist/src/frontend/dockerfile/conformance/run.js <conformance-dir>`.
 * Prints each set's failures (the first few, with details), one `SET: x passed, y failed`
 * line per set, and finally `N passed, M failed`; exits 1 when anything failed.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CaseResult, ConformanceSet } from './set.js';
import { allSets } from './sets/index.js';

const SHOWN_FAILURES = 5;

export interface Totals { passed: number; failed: number; skipped: number }

/** Runs the sets against `root`, writing the report lines to `print`. */
export async function runConformance(root: string, sets: ConformanceSet[], print: (line: string) => void): Promise<Totals> {
  const totals: Totals = { passed: 0, failed: 0, skipped: 0 };
  for (const set of sets) {
    let results: CaseResult[];
    try {
      results = await set.run(root);
    } catch (e) {
      // A set that cannot even load its data counts as one failed case.
      results = [{ name: '(set)', ok: false, detail: e instanceof Error ? e.message : String(e) }];
    }
    const failed = results.filter((r) => !r.ok);
    for (const f of failed.slice(0, SHOWN_FAILURES)) {
      print(`  FAIL ${set.name} :: ${f.name}${f.detail ? `\n    ${f.detail.replace(/\n/g, '\n    ')}` : ''}`);
    }
    if (failed.length > SHOWN_FAILURES) print(`  ... and ${failed.length - SHOWN_FAILURES} more failures in ${set.name}`);
    const skipped = results.filter((r) => r.ok && r.skipped !== undefined);
    for (const s of skipped.slice(0, SHOWN_FAILURES)) print(`  SKIP ${set.name} :: ${s.name}: ${s.skipped}`);
    if (skipped.length > SHOWN_FAILURES) print(`  ... and ${skipped.length - SHOWN_FAILURES} more skipped in ${set.name}`);
    const passed = results.length - failed.length - skipped.length;
    print(`${set.name}: ${passed} passed, ${failed.length} failed${skipped.length > 0 ? `, ${skipped.length} skipped` : ''}`);
    totals.passed += passed;
    totals.failed += failed.length;
    totals.skipped += skipped.length;
  }
  print(`${totals.passed} passed, ${totals.failed} failed${totals.skipped > 0 ? `, ${totals.skipped} skipped` : ''}`);
  return totals;
}

async function main(argv: string[]): Promise<number> {
  const dir = argv[0];
  if (dir === undefined || argv.length !== 1) {
    console.error('usage: run.js <conformance-dir>');
    return 2;
  }
  const totals = await runConformance(resolve(dir), allSets, (line) => console.log(line));
  return totals.failed > 0 ? 1 : 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = await main(process.argv.slice(2));
}
