/**
 * Run by native.test.ts inside `unshare --user --map-root-user --mount` (uid 0 in a user namespace, like a
 * rootless build): the overlay-vs-native comparisons of native-compare.ts with `userxattr` and
 * user.overlay.opaque; only uid 0 is mapped, so the owner in the scripts is 0. Prints JSON.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { compareMerged, compareUppers, makeLayers } from './native-compare.js';

const dir = await mkdtemp(path.join(tmpdir(), 'native-userns-'));
try {
  const merged = await compareMerged(dir, makeLayers(dir, { rootless: true, id: 0 }), true);
  const dir2 = path.join(dir, 'second');
  await mkdir(dir2);
  const uppers = await compareUppers(dir2, makeLayers(dir2, { rootless: true, id: 0 }), { rootless: true, id: 0 });
  console.log(JSON.stringify({ merged, uppers }));
} finally {
  // The mount namespace dies with this process; nothing stays mounted.
  await rm(dir, { recursive: true, force: true });
}
