/**
 * RUN --mount=type=secret and type=ssh end to end, as root and rootless: secrets from --secret src=/env=, as
 * files and env vars, never in a layer, a log or the cache key; ssh agents from --ssh ID=KEYFILE and
 * --ssh default ($SSH_AUTH_SOCK), checked from inside the build by talking the agent protocol.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { testEnv } from '../helpers/env.js';
import { buildArgs } from './helpers.js';
import { testWorkers } from './workers.js';

const SECRET = 'hunter2-file-secret';
const ENV_SECRET = 'env-secret-value-42';

/** Every file under dir, recursively, read as text. */
async function allText(dir: string): Promise<string> {
  let s = '';
  for (const ent of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (ent.isFile()) s += await readFile(path.join(ent.parentPath, ent.name), 'latin1');
  }
  return s;
}

/** A node script asking the agent at $SSH_AUTH_SOCK for its identities; prints their count. */
const LIST_KEYS = `const s=require('net').connect(process.env.SSH_AUTH_SOCK);s.write(Buffer.from([0,0,0,1,11]));let b=Buffer.alloc(0);s.on('data',d=>{b=Buffer.concat([b,d]);if(b.length>=9){console.log('type='+b[4]+' keys='+b.readUInt32BE(5));s.end();}});`;

for (const w of testWorkers()) describe(w.name, () => {
  const env = testEnv();

  test('secrets as files and env vars: default path and mode, uid/mode options, env=; nowhere in the output or the log', async () => {
    const ctx = await w.makeDir({
      Dockerfile: `FROM ${env.images.busybox}
RUN --mount=type=secret,id=file --mount=type=secret,id=envsec,env=TOKEN,target=/etc/tok,uid=1000,mode=0440 \\
    [ "$(cat /run/secrets/file)" = ${SECRET} ] && [ "$(stat -c '%a %u' /run/secrets/file)" = "400 0" ] \\
 && [ "$TOKEN" = ${ENV_SECRET} ] && [ "$(stat -c '%a %u' /etc/tok)" = "440 1000" ] \\
 && cat /run/secrets/file && echo && echo "$TOKEN" && cp /run/secrets/file /copied-on-purpose
RUN --mount=type=secret,id=absent [ ! -e /run/secrets/absent ]
RUN --mount=type=secret,id=absent,env=ABSENT [ -z "\${ABSENT+set}" ]
RUN [ ! -e /run/secrets ] && [ ! -e /etc/tok ] && [ -z "$TOKEN" ]
`,
      'secret.txt': SECRET,
    });
    const dest = await w.tempPath('out');
    const r = await w.buildctl(buildArgs(ctx, '--secret', `id=file,src=${path.join(ctx, 'secret.txt')}`, '--secret', 'id=envsec,env=MY_SECRET_VAR',
      '--output', `type=local,dest=${dest}`), { env: { MY_SECRET_VAR: ENV_SECRET } });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!r.stderr.includes(SECRET) && !r.stderr.includes(ENV_SECRET), r.stderr);
    assert.match(r.stderr, /^#\d+ [0-9.]+ \*\*\*$/m, 'the echoed secret is masked');
    const tree = await allText(dest);
    assert.ok(!tree.includes(ENV_SECRET));
    assert.equal(await readFile(path.join(dest, 'copied-on-purpose'), 'utf8'), SECRET, 'only what the RUN copied on purpose is there');
    assert.ok(!(await readdir(dest)).includes('run') || !(await readdir(path.join(dest, 'run'))).includes('secrets'));
  });

  test('a required secret that was not given fails the RUN; a changed secret value does not bust the cache', async () => {
    const ctx = await w.makeDir({
      Dockerfile: `FROM ${env.images.busybox}\nRUN --mount=type=secret,id=tok,required echo "ran with $(wc -c < /run/secrets/tok)"\n`,
      a: 'value-one', b: 'value-two-longer',
    });
    const missing = await w.buildctl(buildArgs(ctx));
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /secret tok: not found/);
    const root = await w.ownedDir('buildctl-root-');
    const flags = { env: { BUILDKITD_FLAGS: `--root ${root}` } };
    const first = await w.buildctl(buildArgs(ctx, '--secret', `id=tok,src=${path.join(ctx, 'a')}`), flags);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, /^#\d+ [0-9.]+ ran with 9$/m);
    const second = await w.buildctl(buildArgs(ctx, '--secret', `id=tok,src=${path.join(ctx, 'b')}`), flags);
    assert.equal(second.code, 0, second.stderr);
    assert.doesNotMatch(second.stderr, /^#\d+ [0-9.]+ ran with/m, 'BuildKit: secret content is not part of the cache key');
  });

  test('ssh: --ssh ID=KEYFILE serves the key through an agent at the default socket; SSH_AUTH_SOCK set; a missing id fails', async () => {
    const ctx = await w.makeDir({
      Dockerfile: `FROM ${env.images.node}
RUN --mount=type=ssh,id=deploy [ "$SSH_AUTH_SOCK" = /run/buildkit/ssh_agent.0 ] && [ "$(stat -c '%a %u' $SSH_AUTH_SOCK)" = "600 0" ] && node -e "${LIST_KEYS}"
RUN --mount=type=ssh,id=deploy,target=/agent.sock,uid=1000,mode=0660 [ "$(stat -c '%a %u' /agent.sock)" = "660 1000" ] && SSH_AUTH_SOCK=/agent.sock node -e "${LIST_KEYS}"
RUN --mount=type=ssh,id=other [ ! -e /run/buildkit/ssh_agent.0 ] && [ "$SSH_AUTH_SOCK" = /run/buildkit/ssh_agent.0 ]
RUN [ ! -e /run/buildkit ] && [ ! -e /agent.sock ]
`,
    });
    const key = path.join(ctx, 'id_test');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
    if (w.rootless) execFileSync('chown', [`${w.uid}:${w.gid}`, key, `${key}.pub`]);
    const r = await w.buildctl(buildArgs(ctx, '--ssh', `deploy=${key}`));
    assert.equal(r.code, 0, r.stderr);
    assert.equal([...r.stderr.matchAll(/type=12 keys=1/g)].length, 2, r.stderr);
    const req = await w.makeDir({ Dockerfile: `FROM ${env.images.busybox}\nRUN --mount=type=ssh,id=deploy,required true\n` });
    const bad = await w.buildctl(buildArgs(req, '--ssh', `other=${key}`));
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /no SSH key "deploy" forwarded from the client/);
  });

  test('ssh: --ssh default forwards $SSH_AUTH_SOCK', async () => {
    const dir = await w.ownedDir('agent-');
    const sock = path.join(dir, 'agent.sock');
    const agent = spawn('ssh-agent', ['-D', '-a', sock], { uid: w.uid, gid: w.gid, stdio: 'ignore' });
    try {
      for (let i = 0; i < 200; i++) {
        try { execFileSync('test', ['-S', sock]); break; } catch { await new Promise((r) => setTimeout(r, 10)); }
      }
      const ctx = await w.makeDir({ Dockerfile: `FROM ${env.images.node}\nRUN --mount=type=ssh node -e "${LIST_KEYS}"\n` });
      const r = await w.buildctl(buildArgs(ctx, '--ssh', 'default'), { env: { SSH_AUTH_SOCK: sock } });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /type=12 keys=0/);
    } finally {
      agent.kill();
    }
  });
});
