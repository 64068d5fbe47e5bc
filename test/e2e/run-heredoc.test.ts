/**
 * RUN heredocs end to end, as root and rootless (BuildKit's dockerfile_heredoc_test.go cases): a script run by
 * the shell, <<- tab stripping, quoted delimiters (no expansion), several heredocs in one instruction, heredocs
 * fed to a command, shebang scripts, and the exec form (no heredocs); created_by as BuildKit writes it.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { testEnv } from '../helpers/env.js';
import { buildArgs } from './helpers.js';
import { testWorkers } from './workers.js';

for (const w of testWorkers()) describe(w.name, () => {
  test('heredoc forms build the files BuildKit builds', async () => {
    const env = testEnv();
    const ctx = await w.makeDir({
      Dockerfile: [
        `FROM ${env.images.busybox}`,
        'ENV NAME=world',
        'RUN <<EOF',
        'echo "hello $NAME" > /script',
        'echo line2 >> /script',
        'EOF',
        'RUN <<-EOF',
        '\techo tabs stripped > /chomped',
        '\tEOF',
        'RUN <<"EOF" cat > /quoted',
        'literal $NAME',
        'EOF',
        'RUN <<EOF cat > /expanded',
        'expanded $NAME',
        'EOF',
        'RUN <<FILE1 cat > /file1 && <<FILE2 cat > /file2',
        'one',
        'FILE1',
        'two',
        'FILE2',
        'RUN <<EOF',
        '#!/bin/sh',
        'echo "shebang $0 $(id -u)" > /shebang',
        'EOF',
        'RUN ["sh", "-c", "echo exec-form > /exec"]',
        'RUN 3<<EOF cat <&3 > /fd3',
        'from fd 3',
        'EOF',
        'RUN [ ! -e /dev/pipes/EOF ] && [ "$(wc -l < /script)" = 2 ] && [ "$(cat /fd3)" = "from fd 3" ]',
      ].join('\n') + '\n',
    });
    const dest = await w.tempPath('out');
    const r = await w.buildctl(buildArgs(ctx, '--output', `type=local,dest=${dest}`));
    assert.equal(r.code, 0, r.stderr);
    const f = (n: string) => readFile(path.join(dest, n), 'utf8');
    assert.equal(await f('script'), 'hello world\nline2\n');
    assert.equal(await f('chomped'), 'tabs stripped\n');
    assert.equal(await f('quoted'), 'literal $NAME\n');
    assert.equal(await f('expanded'), 'expanded world\n');
    assert.equal(await f('file1'), 'one\n');
    assert.equal(await f('file2'), 'two\n');
    assert.equal(await f('shebang'), 'shebang /dev/pipes/EOF 0\n');
    assert.equal(await f('exec'), 'exec-form\n');
    assert.equal(await f('fd3'), 'from fd 3\n');
    assert.match(r.stderr, /RUN <<EOF \(echo "hello \$NAME" > \/script\.\.\.\)/);
  });

  test('image history: created_by is the shell command BuildKit runs', async () => {
    const env = testEnv();
    const ctx = await w.makeDir({ Dockerfile: `FROM ${env.images.busybox}\nRUN <<EOF\necho a\necho b\nEOF\n` });
    const dest = await w.tempPath('img');
    const r = await w.buildctl(buildArgs(ctx, '--output', `type=oci,tar=false,dest=${dest}`));
    assert.equal(r.code, 0, r.stderr);
    const index = JSON.parse(await readFile(path.join(dest, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
    const blob = async (d: string) => JSON.parse(await readFile(path.join(dest, 'blobs/sha256', d.slice(7)), 'utf8'));
    const manifest = await blob(index.manifests[0]!.digest) as { config: { digest: string } };
    const config = await blob(manifest.config.digest) as { history: { created_by: string }[] };
    assert.equal(config.history.at(-1)!.created_by, 'RUN /bin/sh -c echo a\necho b\n # buildkit');
  });
});
