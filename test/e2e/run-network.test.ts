/**
 * RUN --network and --security=insecure end to end, as root and rootless: the default network is the host's
 * (a registry on 127.0.0.1 is reachable), none leaves only lo, host needs --allow network.host; insecure is
 * refused without --allow security.insecure and otherwise gets every capability and an unmasked /proc.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { testEnv } from '../helpers/env.js';
import { buildArgs } from './helpers.js';
import { testWorkers } from './workers.js';

for (const w of testWorkers()) describe(w.name, () => {
  const env = testEnv();
  const [host, port] = env.registry.split(':') as [string, string];

  test('network: default and host reach the host loopback, none has only lo; host needs --allow network.host', async () => {
    const ctx = await w.makeDir({
      Dockerfile: `FROM ${env.images.busybox}
RUN printf 'GET /v2/ HTTP/1.0\\r\\n\\r\\n' | nc ${host} ${port} | grep -q '^HTTP/1.[01] 200'
RUN --network=host printf 'GET /v2/ HTTP/1.0\\r\\n\\r\\n' | nc ${host} ${port} | grep -q '^HTTP/1.[01] 200'
RUN --network=none [ "$(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ')" = lo ] && ! printf 'GET /v2/ HTTP/1.0\\r\\n\\r\\n' | nc ${host} ${port} 2>/dev/null
`,
    });
    const denied = await w.buildctl(buildArgs(ctx));
    assert.notEqual(denied.code, 0);
    assert.match(denied.stderr, /entitlement network\.host is not allowed/);
    assert.match(denied.stderr, /--allow network\.host/);
    const r = await w.buildctl(buildArgs(ctx, '--allow', 'network.host'));
    assert.equal(r.code, 0, r.stderr);
  });

  test('security=insecure: refused without --allow security.insecure; with it, all capabilities and nothing masked', async () => {
    const ctx = await w.makeDir({
      Dockerfile: `FROM ${env.images.busybox}
RUN [ "$(grep CapEff /proc/self/status | cut -f2)" = 00000000a80425fb ]
RUN --security=insecure [ "$(grep CapEff /proc/self/status | cut -f2)" = "$(grep CapBnd /proc/self/status | cut -f2)" ] \\
 && [ "$(grep CapEff /proc/self/status | cut -f2)" != 00000000a80425fb ] && grep -q 'CapEff:.*[1-9a-f].\\{5\\}$' /proc/self/status \\
 && ! grep -q ' /proc/kcore ' /proc/self/mountinfo && mkdir /m && mount -t tmpfs none /m && umount /m && rmdir /m
`,
    });
    const denied = await w.buildctl(buildArgs(ctx));
    assert.notEqual(denied.code, 0);
    assert.match(denied.stderr, /RUN --security=insecure: entitlement security\.insecure is not allowed/);
    const r = await w.buildctl(buildArgs(ctx, '--allow', 'security.insecure'));
    assert.equal(r.code, 0, r.stderr);
  });
});
