/**
 * Run by rootless.test.ts inside `unshare --user --map-root-user --mount` (uid 0 in a user namespace, like the
 * build under rootlesskit): unpack two layers rootless, stack them with `userxattr`, diff the top one, try a layer
 * owned by an unmapped uid, and print
 * what the test checks as JSON.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { BuildError } from '../../src/errors.js';
import { MediaType } from '../../src/oci/media-types.js';
import { mountOverlay, unmount, unpackLayer, writeLayerTar } from '../../src/snapshot/index.js';
import { manifest, tarNames } from './helpers.js';

const [dir, baseTar, topTar, unmappedTar] = process.argv.slice(2) as [string, string, string, string];
const base = path.join(dir, 'base');
const top = path.join(dir, 'top');
await unpackLayer({ blobPath: baseTar, mediaType: MediaType.ociLayer, dest: base, rootless: true });
await unpackLayer({ blobPath: topTar, mediaType: MediaType.ociLayer, dest: top, rootless: true });
const merged = path.join(dir, 'merged');
await mkdir(merged);
await mountOverlay({ lowers: [base, top], target: merged, userxattr: true, readonly: true });
let view: { root: string[]; d: string[] };
try {
  view = { root: (await readdir(merged)).sort(), d: (await readdir(path.join(merged, 'd'))).sort() };
} finally {
  await unmount(merged);
}
const out = createWriteStream(path.join(dir, 'top.layer.tar'));
await writeLayerTar({ dir: top, out, rootless: true });
out.end();
await finished(out);
const unmapped = await unpackLayer({ blobPath: unmappedTar, mediaType: MediaType.ociLayer, dest: path.join(dir, 'u'), rootless: true })
  .then(() => 'no error', (e: unknown) => (e instanceof BuildError ? `${e.code} ${e.message} | ${e.hint}` : String(e)));
console.log(JSON.stringify({
  unmapped,
  base: await manifest(base, { overlayXattrs: true, mtimes: false }),
  top: await manifest(top, { overlayXattrs: true, mtimes: false }),
  view,
  diff: tarNames(path.join(dir, 'top.layer.tar')),
}));
