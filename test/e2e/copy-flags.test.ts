/**
 * COPY/ADD of local content through the worker matrix (root and rootless): every flag and path rule asserted from
 * inside the build (stat in a RUN), the output tree checked against BuildKit's documented results.
 */
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { lstat, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { testEnv } from '../helpers/env.js';
import { buildArgs } from './helpers.js';
import { testWorkers } from './workers.js';

const FILES = {
  'f.txt': 'A\n',
  'dir/a.txt': 'a\n',
  'dir/readme.md': 'doc\n',
  'dir/sub/g': 'g\n',
  'dir/sub/skip': 's\n',
  'tool.sh': { content: '#!/bin/sh\necho tool\n', mode: 0o755 },
};

const DOCKERFILE = (base: string): string => `FROM ${base}
RUN echo 'app:x:1234:1500::/:/bin/sh' >> /etc/passwd && echo 'grp:x:1500:' >> /etc/group
ENV NAME=world
COPY --chown=app f.txt /own/name
RUN [ "$(stat -c %U:%G /own/name)" = app:grp ]
COPY --chown=1700 f.txt /own/uid
RUN [ "$(stat -c %u:%g /own/uid)" = 1700:1700 ]
COPY --chown=app:root f.txt /own/ug
RUN [ "$(stat -c %U:%G /own/ug)" = app:root ]
COPY f.txt /own/default
RUN [ "$(stat -c %u:%g /own/default)" = 0:0 ]
COPY --chmod=640 f.txt /m/oct/f
RUN [ "$(stat -c %a /m/oct/f)" = 640 ] && [ "$(stat -c %a /m/oct)" = 640 ]
COPY --chmod=u+x,go-w f.txt /m/sym/f
RUN [ "$(stat -c %a /m/sym/f)" = 744 ]
COPY --chmod=a=rX dir /m/rx/
RUN [ "$(stat -c %a /m/rx/sub)" = 555 ] && [ "$(stat -c %a /m/rx/sub/g)" = 444 ]
COPY --exclude=*.md --exclude=sub/skip dir /ex/
RUN [ -f /ex/a.txt ] && [ ! -e /ex/readme.md ] && [ ! -e /ex/sub/skip ] && [ -f /ex/sub/g ]
COPY --parents dir/sub/g dir/a.txt /par/
RUN [ -f /par/dir/sub/g ] && [ -f /par/dir/a.txt ] && [ ! -e /par/dir/readme.md ]
COPY --parents ./dir/./sub/g /piv/
RUN [ -f /piv/sub/g ] && [ ! -e /piv/dir ]
COPY f.txt dir/a.txt /multi
RUN [ -f /multi ] && [ "$(cat /multi)" = a ]
COPY dir/*.txt f.txt /wild/
RUN [ -f /wild/a.txt ] && [ -f /wild/f.txt ] && [ ! -e /wild/readme.md ]
COPY dir /contents
RUN [ -f /contents/a.txt ] && [ -f /contents/sub/g ] && [ ! -e /contents/dir ]
WORKDIR /wd
COPY f.txt .
COPY f.txt rel/
RUN [ -f /wd/f.txt ] && [ -f /wd/rel/f.txt ]
COPY <<EOF <<-"RAW" /docs/
hello $NAME "quoted"
EOF
\traw $NAME
\tRAW
RUN [ "$(cat /docs/EOF)" = 'hello world "quoted"' ] && [ "$(cat /docs/RAW)" = 'raw $NAME' ] && [ "$(stat -c %a /docs/EOF)" = 644 ]
COPY --chmod=755 --chown=app <<EOF /usr/local/bin/greet
#!/bin/sh
echo hi
EOF
RUN [ "$(greet)" = hi ] && [ "$(stat -c %U /usr/local/bin/greet)" = app ]
`;

for (const w of testWorkers()) describe(w.name, () => {
  let ctx: string;
  before(async () => {
    ctx = await w.makeDir({ ...FILES, Dockerfile: DOCKERFILE(testEnv().images.busybox) });
  });

  test('flags and path rules, asserted inside the build; output tree as BuildKit documents', async () => {
    const dest = await w.tempPath('out');
    const r = await w.buildctl(buildArgs(ctx, '--output', `type=local,dest=${dest}`));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await readFile(path.join(dest, 'multi'), 'utf8'), 'a\n');
    assert.equal((await stat(path.join(dest, 'own/uid'))).uid, w.localUid(1700));
    assert.equal((await stat(path.join(dest, 'm/oct'))).mode & 0o7777, 0o640);
    assert.equal((await stat(path.join(dest, 'usr/local/bin/greet'))).mode & 0o777, 0o755);
    assert.ok((await lstat(path.join(dest, 'par/dir/sub/g'))).isFile());
    assert.match(r.stderr, /COPY --parents \.\/dir\/\.\/sub\/g \/piv\//);
  });

  test('COPY of a URL or git ref is BuildKit\'s error; a missing source names the path and the .dockerignore pattern', async () => {
    const bad = async (dockerfile: string, extra: Record<string, string> = {}): Promise<string> => {
      const dir = await w.makeDir({ Dockerfile: dockerfile, 'f.txt': 'x', ...extra });
      const r = await w.buildctl(buildArgs(dir));
      assert.notEqual(r.code, 0, r.stderr);
      return r.stderr;
    };
    assert.match(await bad('FROM scratch\nCOPY https://example.com/a.txt /a\n'), /source can't be a URL for COPY/);
    assert.match(await bad('FROM scratch\nCOPY git@github.com:moby/buildkit.git /src\n'), /source can't be a git ref for COPY/);
    assert.match(await bad('FROM scratch\nCOPY nope.txt /n\n'), /"\/nope\.txt": not found/);
    const ignored = await bad('FROM scratch\nCOPY secret.txt /s\n', { '.dockerignore': '# comment\n*.md\nsecret.txt\n', 'secret.txt': 's' });
    assert.match(ignored, /"\/secret\.txt": not found: excluded by \.dockerignore/);
    assert.match(ignored, /secret\.txt[")]/);
    assert.match(await bad('FROM scratch\nCOPY --chmod=u+q f.txt /f\n'), /invalid chmod parameter/);
    assert.match(await bad('FROM scratch\nCOPY --link --chown=app f.txt /f\n'), /cannot be used with --link/);
  });
});
