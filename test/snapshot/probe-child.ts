/**
 * Run by probe.test.ts inside `unshare --user --map-root-user --mount`: probe as a rootless build does (with
 * userxattr), and as a build that wrongly thinks it is root (no userxattr). Prints JSON.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { probeSnapshotter } from '../../src/snapshot/probe.js';

const dir = await mkdtemp(path.join(tmpdir(), 'probe-userns-'));
try {
  const withUserxattr = await probeSnapshotter({ dir, rootless: true });
  const without = await probeSnapshotter({ dir, rootless: false });
  console.log(JSON.stringify({ withUserxattr, without, left: await readdir(dir) }));
} finally {
  await rm(dir, { recursive: true, force: true });
}
