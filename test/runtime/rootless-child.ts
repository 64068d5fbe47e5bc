/**
 * Child of rootless.test.ts, run inside `unshare --user --map-root-user --mount` (uid 0 in a user namespace
 * without host privileges, as under rootlesskit). Runs a few containers with `rootless: true` and prints one JSON
 * object with what they saw and what was left in the upper dir.
 */
import { execa } from 'execa';
import { runContainer } from '../../src/runtime/index.js';
import { makeBusyboxOverlay } from './busybox-rootfs.js';

const fx = await makeBusyboxOverlay({ userxattr: true });
try {
  let n = 0;
  const run = async (script: string, network: 'host' | 'none') => {
    const out: Buffer[] = [];
    const r = await runContainer({
      id: `rl-${n++}`, rootfs: fx.merged, process: { args: ['/bin/sh', '-c', script], env: [], cwd: '/work' },
      network, rootless: true, bundleDir: await fx.newBundle(), runcRoot: fx.runcRoot, onOutput: (_s, c) => out.push(c),
    });
    return { exitCode: r.exitCode, out: Buffer.concat(out).toString() };
  };
  const none = await run('cut -d: -f1 /proc/net/dev | tail -n +3 | tr -d " "; hostname; touch /written; exit 7', 'none');
  const host = await run('cut -d: -f1 /proc/net/dev | tail -n +3 | tr -d " "; ulimit -n', 'host');
  const upper = (await execa('find', ['.', '-mindepth', '1'], { cwd: fx.upper })).stdout.split('\n').sort();
  const left = (await execa('runc', ['--root', fx.runcRoot, 'list', '-q'])).stdout.trim();
  process.stdout.write(JSON.stringify({ none, host, upper, left }));
} finally {
  await fx.cleanup();
}
