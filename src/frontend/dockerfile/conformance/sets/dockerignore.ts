/**
 * Conformance sets for .dockerignore reading and matching: derived/dockerignore-patterns.json
 * (README section 6), restated from moby/patternmatcher's tests.
 */
import { Type, type Static } from '@sinclair/typebox';
import { PatternMatcher, patternString, readIgnoreFile } from '../../dockerignore/index.js';
import type { CaseResult, ConformanceSet } from '../set.js';
import { loadJson } from '../load.js';

const Single = Type.Object({ pattern: Type.String(), path: Type.String(), matches: Type.Boolean(), error: Type.Optional(Type.String()) });
const PatternsFile = Type.Object({
  single_pattern: Type.Array(Single),
  pattern_lists: Type.Array(Type.Object({ patterns: Type.Array(Type.String()), path: Type.String(), matches: Type.Boolean() })),
  errors: Type.Array(Type.Object({ patterns: Type.Array(Type.String()), path: Type.String() })),
  glob_compat: Type.Object({ cases: Type.Array(Single) }),
  ignore_file: Type.Object({
    input: Type.String(),
    patterns: Type.Array(Type.String()),
    empty_input: Type.Object({ input: Type.Null(), patterns: Type.Array(Type.String()) }),
  }),
});
type PatternsFile = Static<typeof PatternsFile>;

/** Build a matcher and match; a thrown error (bad pattern) is returned as `error`. */
function tryMatch(patterns: readonly string[], path: string): { matches: boolean } | { error: string } {
  try {
    return { matches: new PatternMatcher(patterns).matches(path) };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}

function matchCase(name: string, patterns: readonly string[], path: string, want: { matches: boolean; error?: string }): CaseResult {
  const got = tryMatch(patterns, path);
  if (want.error !== undefined) {
    return 'error' in got ? { name, ok: true } : { name, ok: false, detail: `expected a bad-pattern error, got matches=${got.matches}` };
  }
  if ('error' in got) return { name, ok: false, detail: `unexpected error: ${got.error}` };
  return got.matches === want.matches ? { name, ok: true } : { name, ok: false, detail: `expected matches=${want.matches}, got ${got.matches}` };
}

function ignoreFileCases(file: PatternsFile): CaseResult[] {
  const compare = (name: string, input: string, want: readonly string[]): CaseResult => {
    const got = readIgnoreFile(input).map(patternString);
    const ok = got.length === want.length && got.every((p, i) => p === want[i]);
    return ok ? { name, ok } : { name, ok, detail: `expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}` };
  };
  const { input, patterns, empty_input } = file.ignore_file;
  // A nil reader upstream; an empty file is the closest thing we read.
  return [compare('ignore_file', input, patterns), compare('ignore_file:empty', '', empty_input.patterns)];
}

async function load(root: string): Promise<PatternsFile> {
  return loadJson(root, 'derived/dockerignore-patterns.json', PatternsFile);
}

export const dockerignoreSets: ConformanceSet[] = [
  {
    name: 'dockerignore/single_pattern',
    run: async (root) => (await load(root)).single_pattern.map((c, i) =>
      matchCase(`single_pattern:${i} ${c.pattern} ~ ${c.path}`, [c.pattern], c.path, c)),
  },
  {
    name: 'dockerignore/pattern_lists',
    run: async (root) => (await load(root)).pattern_lists.map((c, i) =>
      matchCase(`pattern_lists:${i} ${JSON.stringify(c.patterns)} ~ ${c.path}`, c.patterns, c.path, c)),
  },
  {
    name: 'dockerignore/errors',
    run: async (root) => (await load(root)).errors.map((c, i) =>
      matchCase(`errors:${i} ${JSON.stringify(c.patterns)}`, c.patterns, c.path, { matches: false, error: 'any' })),
  },
  {
    name: 'dockerignore/glob_compat',
    run: async (root) => (await load(root)).glob_compat.cases.map((c, i) =>
      matchCase(`glob_compat:${i} ${c.pattern} ~ ${c.path}`, [c.pattern], c.path, c)),
  },
  { name: 'dockerignore/ignore_file', run: async (root) => ignoreFileCases(await load(root)) },
];
