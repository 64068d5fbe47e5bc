import { DISPUTED_SHELL_CASES } from '../../../src/frontend/dockerfile/conformance/sets/shell-disputed.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { envFromList, envFromRecord, ShellExpansionError, ShellLex } from '../../../src/frontend/dockerfile/shell/index.js';

const lex = new ShellLex();

/**
 * BuildKit lex_test.go TestProcessWithMatches, cases that succeed upstream. The shared vector file
 * derived/shell-word-expansion.json marks these as `error: true`; upstream expects these values.
 */
const upstreamSuccess = DISPUTED_SHELL_CASES;

for (const c of upstreamSuccess) {
  test(`upstream TestProcessWithMatches: ${c.input} ${JSON.stringify(c.env)}`, () => {
    const got = lex.processWordWithMatches(c.input, envFromRecord(c.env));
    assert.equal(got.result, c.want);
    assert.deepEqual([...got.matched].sort(), [...c.matched].sort());
    assert.deepEqual([...got.unmatched].sort(), [...(c.unmatched ?? [])].sort());
  });
}

test('upstream error cases still fail', () => {
  const env = envFromRecord({ FOO: 'xxx', BAR: '' });
  for (const input of ['${BAZ?ccc}', '${BAR:?bbb}', '${BAZ:?ccc}', '${BAZ:?}', '${FOO=aaa}', '${FOO=:aaa}', '${FOO//ww}', '${FOO//}', '${FOO:#x}', '${FOO:%%x}']) {
    assert.throws(() => lex.processWord(input, env), ShellExpansionError, input);
  }
});

test('matched and unmatched are recorded even inside unused alternatives', () => {
  const got = lex.processWordWithMatches('$A ${B:-$C} ${D:+${E}} "$F" \'$G\'', envFromList(['A=1', 'B=', 'D=d']));
  assert.equal(got.result, '1    $G');
  assert.deepEqual([...got.matched].sort(), ['A', 'B', 'D']);
  // C is read as B's (used) default; E is read while scanning D's word even though D is set.
  assert.deepEqual([...got.unmatched].sort(), ['C', 'E', 'F']);
});

test('error messages follow BuildKit', () => {
  const env = envFromList(['EMPTY=']);
  const err = (input: string): ShellExpansionError => {
    try {
      lex.processWord(input, env);
    } catch (e) {
      assert.ok(e instanceof ShellExpansionError);
      return e;
    }
    assert.fail(`no error for ${input}`);
  };
  assert.equal(err('${VAR?need it}').message, 'failed to process "${VAR?need it}": VAR: need it');
  assert.equal(err('${VAR?need it}').reason, 'VAR: need it');
  assert.equal(err('${VAR?}').reason, 'VAR: is not allowed to be unset');
  assert.equal(err('${EMPTY:?}').reason, 'EMPTY: is not allowed to be empty');
  assert.equal(err('${X:Y}').reason, 'unsupported modifier (:Y) in substitution');
  assert.equal(err('${X=1}').reason, 'unsupported modifier (=) in substitution');
  assert.equal(err('${}').reason, 'syntax error: bad substitution');
  assert.equal(err('${X:-a').reason, "syntax error: missing '}'");
  assert.equal(err('${X/a').reason, "syntax error: missing '/' in ${}");
  assert.equal(err("'abc").reason, 'unexpected end of statement while looking for matching single-quote');
  assert.equal(err('"abc').reason, 'unexpected end of statement while looking for matching double-quote');
  assert.match(err('${EMPTY#\\x}').reason, /^invalid pattern \(\\x\) in substitution: invalid escape/);
  assert.equal(err('a${}b').word, 'a${}b');
});

test('words: unquoted expansions split, quoted and escaped text does not', () => {
  const env = envFromList(['S=a  b', 'E=']);
  assert.deepEqual(lex.processWords('x${S}y "${S}" \\ z${E:-p q}', env), ['xa', 'by', 'a  b', ' zp', 'q']);
  assert.deepEqual(lex.processWords('""', env), []);
  assert.deepEqual(lex.processWords('"" a', env), ['a']);
  assert.deepEqual(lex.processWords("'' \"\"", env), []);
});

test('backtick escape token', () => {
  const tick = new ShellLex({ escapeToken: '`' });
  const env = envFromList(['V=v']);
  assert.equal(tick.processWord('C:\\dir`$V', env), 'C:\\dir$V');
  assert.equal(tick.processWord('"a`"b"', env), 'a"b');
  assert.equal(tick.processWord('\\$V', env), '\\v');
});

test('skipUnsetEnv keeps references to unset variables as written', () => {
  const keep = new ShellLex({ skipUnsetEnv: true });
  const env = envFromList(['SET=1']);
  assert.equal(keep.processWord('$SET $UNSET ${UNSET} ${UNSET:-d} ${UNSET/a/b}', env), '1 $UNSET ${UNSET} ${UNSET:-d} ${UNSET/a/b}');
});

test('rawQuotes and rawEscapes keep the syntax characters', () => {
  const env = envFromList(['V=v']);
  assert.equal(new ShellLex({ rawQuotes: true }).processWord(`"$V" 'x'`, env), `"v" 'x'`);
  assert.equal(new ShellLex({ rawEscapes: true }).processWord('a\\ b', env), 'a\\ b');
  assert.equal(new ShellLex({ skipProcessQuotes: true }).processWord(`'$V'`, env), `'v'`);
});

test('${V//p/r} follows Go ReplaceAllString: no empty match right after a match', () => {
  const env = envFromList(['FOO=abc', 'D=a-b-c']);
  assert.equal(lex.processWord('${FOO//*/x}', env), 'x');
  assert.equal(lex.processWord('${FOO///-}', env), '-a-b-c-');
  assert.equal(lex.processWord('${D//-/_} ${D#a-} ${D%-*} ${D%%-*}', env), 'a_b_c b-c a-b a');
});

test('non-ASCII names and values, leading BOM dropped', () => {
  const env = envFromList(['ÜBER=ü', 'X=😀']);
  assert.equal(lex.processWord('$ÜBER-${X#?}-${X/?/y}', env), 'ü--y');
  assert.equal(lex.processWord('\uFEFFab', env), 'ab');
});

test('envFromList: later entries win, missing = means empty', () => {
  const env = envFromList(['a=1', 'b', 'a=2', 'c=x=y']);
  assert.equal(env.get('a'), '2');
  assert.equal(env.get('b'), '');
  assert.equal(env.get('c'), 'x=y');
  assert.equal(env.get('d'), undefined);
  assert.deepEqual([...env.keys()], ['a', 'b', 'c']);
});
