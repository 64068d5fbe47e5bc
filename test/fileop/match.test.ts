import { test } from 'node:test';
import assert from 'node:assert/strict';
import { goMatch, PatternMatcher } from '../../src/fileop/index.js';

test('goMatch follows Go filepath.Match', () => {
  const cases: Array<[string, string, boolean]> = [
    ['*.txt', 'a.txt', true], ['*.txt', '.txt', true], ['*.txt', 'a/b.txt', false], ['*', '', true],
    ['a?c', 'abc', true], ['a?c', 'a/c', false], ['[a-c]x', 'bx', true], ['[a-c]x', 'dx', false],
    ['[^a-c]x', 'dx', true], ['[^a-c]x', 'ax', false], ['\\*', '*', true], ['\\*', 'a', false],
    ['a*b*c', 'axxbyyc', true], ['a*b*c', 'axxbyy', false], ['[\\]]', ']', true], ['[x-]', 'x', false],
    ['héllo*', 'héllo wörld', true], ['h?llo', 'héllo'.replace('é', 'é'), true],
  ];
  for (const [p, n, want] of cases) {
    let got: boolean;
    try { got = goMatch(p, n); } catch { got = false; }
    assert.equal(got, want, `${p} ~ ${n}`);
  }
  assert.throws(() => goMatch('[', 'a'));
  assert.throws(() => goMatch('a\\', 'a'));
});

test('PatternMatcher follows moby/patternmatcher (parents, **, !exclusions)', () => {
  const m = (patterns: string[], file: string) => new PatternMatcher(patterns).matchesUsingParentResults(file).matched;
  assert.equal(m(['node_modules'], 'node_modules/x/y.js'), true);
  assert.equal(m(['*.go'], 'a/b.go'), false);
  assert.equal(m(['**/*.go'], 'a/b.go'), true);
  assert.equal(m(['**/*.go'], 'b.go'), true);
  assert.equal(m(['a/**'], 'a/b/c'), true);
  assert.equal(m(['a/**/c'], 'a/c'), true);
  assert.equal(m(['a/**/c'], 'a/x/y/c'), true);
  assert.equal(m(['./a/'], 'a'), true);
  assert.equal(m(['docs', '!docs/keep.md'], 'docs/keep.md'), false);
  assert.equal(m(['docs', '!docs/keep.md'], 'docs/other.md'), true);
  assert.equal(m(['a.(b)'], 'a.(b)'), true);
  assert.equal(m(['[ab]'], 'a'), true);
  assert.equal(m(['[^ab]'], 'a'), false);
  // Parent results passed down give the same answers as the full check.
  const pm = new PatternMatcher(['x/*', '!x/keep']);
  const parent = pm.matchesUsingParentResults('x');
  assert.equal(pm.matchesUsingParentResults('x/drop', parent.info).matched, true);
  assert.equal(pm.matchesUsingParentResults('x/keep', parent.info).matched, false);
  assert.throws(() => new PatternMatcher(['!']));
});
