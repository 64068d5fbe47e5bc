/**
 * A plain directory tree (e.g. a mounted merged rootfs) -> tar, for `--output type=tar`. Same entries as a layer
 * tar (numeric owners, modes, xattrs, hardlinks, devices, byte-ordered paths without "./", dirs ending in "/")
 * but no whiteout or opaque handling: a char device 0:0 here is just a device.
 */
import { tarEntryFor } from './tar-entry.js';
import { TarWriter } from './tar-writer.js';
import { walkTree } from './walk.js';
import { readXattrTree } from './xattrs.js';

export interface TreeTarOptions {
  dir: string;
  /** Written with backpressure; NOT ended by us. */
  out: NodeJS.WritableStream;
}

export async function writeTreeTar(opts: TreeTarOptions): Promise<void> {
  const ctx = { links: new Map<string, string>(), xattrs: await readXattrTree(opts.dir) };
  const w = new TarWriter(opts.out);
  for await (const e of walkTree(opts.dir)) {
    const entry = await tarEntryFor(e, ctx);
    if (entry !== undefined) await w.add(entry, e.abs);
  }
  await w.finish();
}
