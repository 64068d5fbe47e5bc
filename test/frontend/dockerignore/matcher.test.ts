import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanPath, IgnorePatternError, PatternMatcher, readIgnoreFile } from '../../../src/frontend/dockerfile/dockerignore/index.js';

const file = [
  '# build outputs', //  1
  'node_modules',    //  2
  '*.log',           //  3
  '',                //  4
  'dist/**',         //  5
  '!dist/keep.txt',  //  6
  '  /tmp/  ',       //  7
].join('\n');

test('readIgnoreFile keeps 1-based lines and cleans patterns', () => {
  assert.deepEqual(readIgnoreFile(file), [
    { text: 'node_modules', line: 2, exclusion: false },
    { text: '*.log', line: 3, exclusion: false },
    { text: 'dist/**', line: 5, exclusion: false },
    { text: 'dist/keep.txt', line: 6, exclusion: true },
    { text: 'tmp', line: 7, exclusion: false },
  ]);
  assert.deepEqual(readIgnoreFile('\uFEFF#c\r\na\r\n'), [{ text: 'a', line: 2, exclusion: false }]);
});

test('match().by names the deciding pattern and its line', () => {
  const m = new PatternMatcher(readIgnoreFile(file));
  assert.deepEqual(m.match('node_modules/x/y.js'), { excluded: true, by: { text: 'node_modules', line: 2, exclusion: false } });
  assert.equal(m.match('a.log').by?.line, 3);
  assert.equal(m.match('sub/a.log').excluded, false);
  assert.equal(m.match('dist/a.js').by?.line, 5);
  // The exception decides: not excluded, by line 6.
  assert.deepEqual(m.match('dist/keep.txt'), { excluded: false, by: { text: 'dist/keep.txt', line: 6, exclusion: true } });
  assert.deepEqual(m.match('src/index.ts'), { excluded: false });
  assert.equal(m.match('tmp/x').by?.line, 7);
  assert.equal(m.matches('.'), false);
  assert.equal(m.matches('./node_modules/'), true);
});

test('string patterns report their list position as line', () => {
  const m = new PatternMatcher(['', 'a', '!a/b']);
  assert.equal(m.match('a/c').by?.line, 2);
  assert.deepEqual(m.match('a/b').by, { text: 'a/b', line: 3, exclusion: true });
  assert.equal(m.hasExclusions(), true);
  assert.equal(new PatternMatcher(['a', 'b']).hasExclusions(), false);
});

test('bad patterns throw IgnorePatternError with the line', () => {
  const lone = (): PatternMatcher => new PatternMatcher(readIgnoreFile('a\n\n!\n'));
  assert.throws(lone, (e: unknown) => e instanceof IgnorePatternError && e.line === 3 && /illegal exclusion pattern/.test(e.message));
  assert.throws(() => new PatternMatcher(['ok', 'a[']), (e: unknown) => e instanceof IgnorePatternError && e.line === 2 && /syntax error in pattern/.test(e.message));
  assert.throws(() => new PatternMatcher(['[z-a]']), IgnorePatternError);
});

test('canSkipDir: only excluded dirs that no exception can reach', () => {
  const plain = new PatternMatcher(['node_modules', 'build/*']);
  assert.equal(plain.canSkipDir('node_modules'), true);
  assert.equal(plain.canSkipDir('build/out'), true);
  assert.equal(plain.canSkipDir('build'), false, 'build itself is not excluded');
  assert.equal(plain.canSkipDir('src'), false);

  const withException = new PatternMatcher(['node_modules', 'vendor', '!vendor/keep', 'logs', '!*/important', 'cache', '!**/*.keep']);
  assert.equal(withException.canSkipDir('vendor'), false, 'vendor/keep is re-included');
  assert.equal(withException.canSkipDir('logs'), false, '*/important can match logs/important');
  assert.equal(withException.canSkipDir('cache'), false, '**/*.keep can match anything');

  const narrow = new PatternMatcher(['a', 'b', '!b/x/keep']);
  assert.equal(narrow.canSkipDir('a'), true, 'the exception is under b, not a');
  assert.equal(narrow.canSkipDir('b'), false);
  assert.equal(narrow.canSkipDir('b/y'), true, 'b/x/keep cannot be under b/y');
  assert.equal(narrow.canSkipDir('b/x'), false);
});

test('canSkipDir never hides a path that match() would include', () => {
  const m = new PatternMatcher(['**', '!src/*/keep', 'src/a', '!doc']);
  const paths = ['src', 'src/a', 'src/a/keep', 'src/a/keep/f', 'src/b', 'src/b/keep', 'doc', 'doc/x', 'lib', 'lib/x'];
  for (const dir of paths) {
    if (!m.canSkipDir(dir)) continue;
    for (const p of paths.filter((q) => q.startsWith(dir + '/'))) assert.equal(m.matches(p), true, `${dir} skipped but ${p} included`);
  }
  assert.equal(m.canSkipDir('lib'), true);
  assert.equal(m.canSkipDir('src'), false);
});

test('cleanPath agrees with Go path.Clean', () => {
  const cases: Array<[string, string]> = [['', '.'], ['a/', 'a'], ['./a//b/.', 'a/b'], ['a/../..', '..'], ['/../a', '/a'], ['../../a/../b', '../../b'], ['/', '/'], ['a/b/../../c', 'c']];
  for (const [input, want] of cases) assert.equal(cleanPath(input), want, input);
});

test('20,000 paths against a dozen patterns stay fast', () => {
  const m = new PatternMatcher(['node_modules', '**/*.log', 'dist/**', '!dist/keep', '*.tmp', 'a/*/c', '**/.git', 'docs/[a-c]*', 'x?y', '!**/important.log', 'build', 'coverage']);
  const paths: string[] = [];
  for (let i = 0; i < 20000; i++) paths.push(`src/mod${i % 100}/sub${i % 7}/file${i}.${i % 3 === 0 ? 'log' : 'ts'}`);
  const start = performance.now();
  let excluded = 0;
  for (const p of paths) if (m.matches(p)) excluded++;
  const ms = performance.now() - start;
  assert.equal(excluded, 6667);
  assert.ok(ms < 2000, `took ${ms.toFixed(0)} ms`);
});

test('rooted paths use path.Dir parents like patternmatcher', () => {
  assert.equal(new PatternMatcher(['/']).matches('/a'), true);
  assert.equal(new PatternMatcher(['/a']).matches('/a/b/c'), true);
  assert.equal(new PatternMatcher(['a']).matches('/a/b'), false);
});
