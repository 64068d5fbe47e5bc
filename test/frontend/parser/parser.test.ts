import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DockerfileError } from '../../../src/errors.js';
import { dumpAst, parseDockerfile } from '../../../src/frontend/dockerfile/parser/index.js';

/** The DockerfileError that parsing `source` throws. */
function parseError(source: string, file?: string): DockerfileError {
  try {
    parseDockerfile(source, file === undefined ? {} : { file });
  } catch (e) {
    assert.ok(e instanceof DockerfileError, `expected DockerfileError, got ${String(e)}`);
    return e;
  }
  assert.fail('parsed without error');
}

test('errors point at the first line of the failing instruction', () => {
  const e = parseError('FROM a\n\n# comment\nENV PATH\n');
  assert.equal(e.message, 'ENV must have two arguments');
  assert.deepEqual(e.location, { file: 'Dockerfile', line: 4, text: 'ENV PATH' });

  const nested = parseError('FROM a\nRUN echo \\\n  hi\n  CMD [ "a", [ "b" ] ]\n', 'ci/Dockerfile.prod');
  assert.match(nested.message, /arrays must be comprised of strings only/);
  assert.deepEqual(nested.location, { file: 'ci/Dockerfile.prod', line: 4, text: 'CMD [ "a", [ "b" ] ]' });

  const label = parseError('FROM a\nLABEL a=b \\\n   c\n');
  assert.equal(label.message, `Syntax error - can't find = in "c". Must be of the form: name=value`);
  assert.equal(label.location?.line, 2);
});

test('directive, heredoc, length and empty-file errors carry their line', () => {
  assert.equal(parseError('# escape=x\nFROM a\n').location?.line, 1);
  const repeated = parseError('# syntax=a\n# SYNTAX=b\nFROM a\n');
  assert.equal(repeated.message, 'only one syntax parser directive can be used');
  assert.equal(repeated.location?.line, 2);

  const heredoc = parseError('FROM a\nRUN <<EOF\necho hi\n');
  assert.equal(heredoc.message, 'unterminated heredoc');
  assert.equal(heredoc.location?.line, 2);

  const long = parseError(`FROM a\nRUN true\nRUN ${'x'.repeat(70000)}\n`);
  assert.equal(long.message, 'dockerfile line greater than max allowed size of 65535');
  assert.equal(long.location?.line, 3);

  assert.equal(parseError('').message, 'file with no instructions');
  assert.equal(parseError('# only\n\n# comments\n').message, 'file with no instructions');
});

test('ONBUILD wraps a full instruction with its own flags and JSON form', () => {
  const r = parseDockerfile([
    'FROM a',
    'ONBUILD RUN --mount=type=cache,target=/x echo hi',
    'onbuild COPY ["a b", "/c"]',
    'ONBUILD',
  ].join('\n'));
  const [, run, copy, empty] = r.nodes;
  assert.equal(run?.keyword, 'onbuild');
  assert.deepEqual(run?.flags, []);
  assert.equal(run?.onbuild?.keyword, 'run');
  assert.deepEqual(run?.onbuild?.flags, ['--mount=type=cache,target=/x']);
  assert.deepEqual(run?.onbuild?.args, ['echo hi']);
  assert.equal(run?.onbuild?.original, 'RUN --mount=type=cache,target=/x echo hi');
  assert.equal(copy?.onbuild?.json, true);
  assert.deepEqual(copy?.onbuild?.args, ['a b', '/c']);
  assert.equal(empty?.onbuild, undefined);
  assert.equal(dumpAst(r), [
    '(from "a")',
    '(onbuild (run ["--mount=type=cache,target=/x"] "echo hi"))',
    '(onbuild (copy "a b" "/c"))',
    '(onbuild)',
  ].join('\n'));
});

test('ONBUILD RUN with a heredoc reads the body and records it on both nodes', () => {
  const r = parseDockerfile('FROM a\nONBUILD RUN <<EOF\necho hi\nEOF\nCMD x\n');
  const onbuild = r.nodes[1]!;
  assert.deepEqual(onbuild.heredocs.map((h) => h.content), ['echo hi\n']);
  assert.deepEqual(onbuild.onbuild?.heredocs, onbuild.heredocs);
  assert.deepEqual([onbuild.startLine, onbuild.endLine], [2, 4]);
  assert.equal(r.nodes[2]?.startLine, 5);
});

test('heredoc bodies extend endLine; the next instruction starts after the terminator', () => {
  const r = parseDockerfile('FROM a\nCOPY <<A 3<<"B" /dst/\na\n#not a comment\nA\nb\nB\n\nRUN <<-EOF cat\n\tx\n\tEOF\nCMD x');
  const [from, copy, run, cmd] = r.nodes;
  assert.deepEqual([from?.startLine, from?.endLine], [1, 1]);
  assert.deepEqual([copy?.startLine, copy?.endLine], [2, 7]);
  assert.deepEqual(copy?.heredocs, [
    { name: 'A', content: 'a\n#not a comment\n', expand: true, chomp: false, fileDescriptor: 0 },
    { name: 'B', content: 'b\n', expand: false, chomp: false, fileDescriptor: 3 },
  ]);
  assert.deepEqual(copy?.args, ['<<A', '3<<"B"', '/dst/']);
  assert.deepEqual([run?.startLine, run?.endLine], [9, 11]);
  assert.deepEqual(run?.heredocs.map((h) => [h.name, h.content, h.chomp]), [['EOF', '\tx\n', true]]);
  assert.deepEqual([cmd?.startLine, cmd?.endLine], [12, 12]);
  assert.deepEqual([r.startLine, r.endLine], [1, 12]);
});

test('CRLF endings, BOM and Buffer input', () => {
  const src = Buffer.from('\uFEFF# escape=`\r\nFROM a\r\nRUN echo `\r\n  hi\r\nCOPY <<EOF /x\r\nline\r\nEOF\r\n', 'utf8');
  const r = parseDockerfile(src);
  assert.equal(r.escapeToken, '`');
  assert.deepEqual(r.directives, [{ name: 'escape', value: '`', line: 1 }]);
  assert.deepEqual(r.nodes[1]?.args, ['echo   hi']);
  assert.deepEqual([r.nodes[1]?.startLine, r.nodes[1]?.endLine], [3, 4]);
  assert.equal(r.nodes[2]?.heredocs[0]?.content, 'line\r\n');
});

test('JSON form follows Go decoding: trailing text ignored, objects are shell form', () => {
  const r = parseDockerfile('CMD ["a"] trailing junk\nCMD {"a": 1}\nENTRYPOINT ["\\u00e9", "\\ud800"]\n');
  assert.deepEqual([r.nodes[0]?.args, r.nodes[0]?.json], [['a'], true]);
  assert.deepEqual([r.nodes[1]?.args, r.nodes[1]?.json], [['{"a": 1}'], false]);
  assert.deepEqual(r.nodes[2]?.args, ['é', '\uFFFD']);
  assert.match(parseError('RUN ["a", 1]\n').message, /strings only/);
});

test('unknown instructions keep their keyword and one empty argument', () => {
  const r = parseDockerfile('FROM a\nconstructor x\nFOO\n');
  assert.deepEqual(r.nodes.slice(1).map((n) => [n.keyword, n.args]), [['constructor', ['']], ['foo', ['']]]);
});

test('empty continuation lines warn with the joined instruction', () => {
  const r = parseDockerfile('FROM a\nRUN a \\\n\n  b\n');
  assert.deepEqual(r.warnings, [{ message: 'Empty continuation line found in: RUN a   b', line: 4 }]);
  assert.equal(r.nodes[1]?.endLine, 4);
});
