/** RUN -> exec op: heredocs, mounts, secret env, network/security, history, as BuildKit's dispatchRun. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convertDockerfile } from '../../../src/frontend/dockerfile/convert/convert.js';
import type { ExecOp, FileOp, Op } from '../../../src/llb/ops.js';
import { DockerfileError } from '../../../src/errors.js';

async function convert(dockerfile: string, buildArgs: Record<string, string> = {}) {
  return convertDockerfile({
    dockerfile, file: 'Dockerfile', buildArgs: new Map(Object.entries(buildArgs)), excludePatterns: [],
    resolveImage: async () => { throw new Error('no images in this test'); },
  });
}

function execs(def: Awaited<ReturnType<typeof convert>>['definition']): { op: Op; exec: ExecOp; desc: string }[] {
  const out = [];
  for (const [digest, op] of def.ops) {
    if (op.op.kind === 'exec') out.push({ op, exec: op.op, desc: def.metadata.get(digest)?.description ?? '' });
  }
  return out;
}

function createdBy(r: Awaited<ReturnType<typeof convert>>): string[] {
  return (r.image.history ?? []).map((h) => h.created_by ?? '');
}

test('RUN <<EOF alone: the body is the shell command; history and progress name as BuildKit', async () => {
  const r = await convert('FROM scratch\nRUN <<EOF\necho hi\necho there\nEOF\n');
  const [e] = execs(r.definition);
  assert.deepEqual(e!.exec.meta.args, ['/bin/sh', '-c', 'echo hi\necho there\n']);
  assert.match(e!.desc, /RUN <<EOF \(echo hi\.\.\.\)$/);
  assert.equal(createdBy(r).at(-1), 'RUN /bin/sh -c echo hi\necho there\n # buildkit');
});

test('<<-EOF strips leading tabs in the single-heredoc form', async () => {
  const r = await convert('FROM scratch\nRUN <<-EOF\n\techo hi\n\tEOF\n');
  assert.deepEqual(execs(r.definition)[0]!.exec.meta.args, ['/bin/sh', '-c', 'echo hi\n']);
});

test('several heredocs (or a command with one): the instruction is reassembled for the shell', async () => {
  const r = await convert('FROM scratch\nRUN <<-A cat >/a && <<"B" cat >/b\n\tx $HOME\n\tA\ny $HOME\nB\n');
  assert.deepEqual(execs(r.definition)[0]!.exec.meta.args, ['/bin/sh', '-c', '<<-A cat >/a && <<"B" cat >/b\n\tx $HOME\nA\ny $HOME\nB']);
  const p = await convert('FROM scratch\nRUN python3 <<EOF\nprint(1)\nEOF\n');
  assert.deepEqual(execs(p.definition)[0]!.exec.meta.args, ['/bin/sh', '-c', 'python3 <<EOF\nprint(1)\nEOF']);
});

test('a shebang heredoc becomes a 0755 file mounted read-only at /dev/pipes and run by path', async () => {
  const r = await convert('FROM scratch\nSHELL ["/bin/bash", "-c"]\nRUN <<EOT\n#!/usr/bin/env python3\nprint("hi")\nEOT\n');
  const [e] = execs(r.definition);
  assert.deepEqual(e!.exec.meta.args, ['/bin/bash', '-c', '/dev/pipes/EOT']);
  const m = e!.exec.mounts.find((x) => x.dest === '/dev/pipes')!;
  assert.equal(m.readonly, true);
  const file = r.definition.ops.get(e!.op.inputs[m.input]!.digest)!.op as FileOp;
  const a = file.actions[0]!.action;
  assert.equal(a.type, 'mkfile');
  if (a.type !== 'mkfile') return;
  assert.equal(a.path, '/EOT');
  assert.equal(a.mode, 0o755);
  assert.equal(Buffer.from(a.data, 'base64').toString(), '#!/usr/bin/env python3\nprint("hi")\n');
});

test('exec form has no heredocs: following lines are instructions', async () => {
  await assert.rejects(convert('FROM scratch\nRUN ["cat", "<<EOF"]\nhello\nEOF\n'), /unknown instruction|hello/i);
});

test('mounts: targets relative to WORKDIR, cache id defaults to the target, bind from the context, tmpfs size', async () => {
  const r = await convert([
    'FROM scratch', 'WORKDIR /app', 'ARG CACHE=/root/.cache',
    'RUN --mount=type=cache,target=$CACHE --mount=type=cache,id=npm,target=node_modules,sharing=private --mount=target=src,source=lib --mount=type=tmpfs,target=/t,size=1k true',
  ].join('\n'));
  const m = execs(r.definition)[0]!.exec.mounts;
  assert.deepEqual(m.map((x) => [x.type, x.dest]), [['bind', '/'], ['cache', '/root/.cache'], ['cache', '/app/node_modules'], ['bind', '/app/src'], ['tmpfs', '/t']]);
  assert.equal(m[1]!.cacheId, '/root/.cache');
  assert.equal(m[1]!.cacheSharing, 'shared');
  assert.equal(m[1]!.input, -1);
  assert.equal(m[2]!.cacheId, 'npm');
  assert.equal(m[2]!.cacheSharing, 'private');
  assert.equal(m[3]!.selector, '/lib');
  assert.equal(m[3]!.readonly, true);
  const ctxInput = execs(r.definition)[0]!.op.inputs[m[3]!.input]!;
  const src = r.definition.ops.get(ctxInput.digest)!.op;
  assert.equal(src.kind === 'source' && src.identifier, 'local://context');
  assert.equal(m[4]!.tmpfsSize, 1024);
});

test('bind/cache from a stage take that stage as an input', async () => {
  const r = await convert('FROM scratch AS a\nWORKDIR /x\nFROM scratch\nRUN --mount=from=a,target=/m,rw --mount=type=cache,from=a,source=/x,target=/c true\n');
  const e = execs(r.definition).at(-1)!;
  const bind = e.exec.mounts[1]!;
  const cache = e.exec.mounts[2]!;
  assert.equal(bind.readonly, false);
  assert.equal(bind.output, -1);
  assert.ok(bind.input >= 0);
  assert.equal(cache.input, bind.input);
  assert.equal(cache.selector, '/x');
});

test('secrets: default target /run/secrets/ID, mode 0400; env= exposes it; ids from source or target', async () => {
  const r = await convert([
    'FROM scratch',
    'RUN --mount=type=secret,id=a --mount=type=secret,source=b,target=/etc/b,mode=0440,uid=1,required --mount=type=secret,id=c,env=C --mount=type=secret,target=/x/d,env=D true',
  ].join('\n'));
  const e = execs(r.definition)[0]!.exec;
  const secrets = e.mounts.filter((m) => m.type === 'secret');
  assert.deepEqual(secrets.map((m) => [m.secretId, m.dest, m.mode, m.uid, m.optional]), [
    ['a', '/run/secrets/a', 0o400, 0, true], ['b', '/etc/b', 0o440, 1, false], ['d', '/x/d', 0o400, 0, true],
  ]);
  assert.deepEqual(e.secretEnv, [{ id: 'c', name: 'C', optional: true }, { id: 'd', name: 'D', optional: true }]);
});

test('ssh: id default, sockets at /run/buildkit/ssh_agent.N, SSH_AUTH_SOCK set to the first unless ENV has one', async () => {
  const r = await convert('FROM scratch\nRUN --mount=type=ssh --mount=type=ssh,id=gh,mode=0666 true\n');
  const e = execs(r.definition)[0]!.exec;
  const ssh = e.mounts.filter((m) => m.type === 'ssh');
  assert.deepEqual(ssh.map((m) => [m.sshId, m.dest, m.mode]), [['default', '/run/buildkit/ssh_agent.0', 0o600], ['gh', '/run/buildkit/ssh_agent.1', 0o666]]);
  assert.ok(e.meta.env.includes('SSH_AUTH_SOCK=/run/buildkit/ssh_agent.0'));
  const own = await convert('FROM scratch\nENV SSH_AUTH_SOCK=/mine\nRUN --mount=type=ssh true\n');
  assert.deepEqual(execs(own.definition)[0]!.exec.meta.env.filter((x) => x.startsWith('SSH_AUTH_SOCK=')), ['SSH_AUTH_SOCK=/mine']);
});

test('a secret never enters the op: only its id', async () => {
  const r = await convert('FROM scratch\nRUN --mount=type=secret,id=tok,env=TOKEN echo $TOKEN\n');
  const e = execs(r.definition)[0]!;
  assert.ok(!JSON.stringify(e.op).includes('value'));
  assert.equal(createdBy(r).at(-1), 'RUN /bin/sh -c echo $TOKEN # buildkit');
});

test('--network and --security values, and errors with the Dockerfile line', async () => {
  const r = await convert('FROM scratch\nRUN --network=none --security=insecure true\n');
  const e = execs(r.definition)[0]!;
  assert.equal(e.exec.network, 'none');
  assert.equal(e.exec.security, 'insecure');
  assert.match(e.desc, /RUN --network=none --security=insecure true$/);
  await assert.rejects(convert('FROM scratch\nRUN --network=bridge true\n'), (err: unknown) =>
    err instanceof DockerfileError && /unsupported network mode "bridge"/.test(err.message) && err.location?.line === 2);
  await assert.rejects(convert('FROM scratch\nRUN --mount=type=cache,target=/ true\n'), /invalid mount target "\/"/);
  await assert.rejects(convert('FROM scratch\n\nRUN --mount=type=bogus true\n'), (err: unknown) => err instanceof DockerfileError && err.location?.line === 3);
});
