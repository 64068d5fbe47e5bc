/**
 * Overlay-format layer dir (an unpacked layer or a RUN's upperdir) -> OCI layer tar, uncompressed.
 *
 * whiteout char device 0:0 NAME -> empty file `.wh.NAME`; opaque dir -> the dir entry, then `.wh..wh..opq`
 * inside it. Within a directory, whiteouts come before their siblings (OCI image spec, "Whiteouts"), the rest in
 * byte order, so the same tree always gives the same bytes. Marker entries carry mode 0, owner 0:0 and mtime 0
 * like containerd's, so they do not depend on when the deletion happened.
 */
import path from 'node:path';
import { OPAQUE_MARKER, WHITEOUT_PREFIX, isOpaqueValue, isWhiteout, opaqueXattr } from './overlay-format.js';
import { type EntryContext, tarEntryFor } from './tar-entry.js';
import { type TarEntry, TarWriter } from './tar-writer.js';
import { type WalkEntry, walkTree } from './walk.js';
import { readXattrTree } from './xattrs.js';

export interface LayerTarOptions {
  dir: string;
  /** Written with backpressure; NOT ended, so the caller can keep hashing or compressing after us. */
  out: NodeJS.WritableStream;
  /** Which opaque xattr marks a dir: user.overlay.opaque (rootless) or trusted.overlay.opaque. */
  rootless: boolean;
  /** Clamp every mtime to this many seconds since the epoch (SOURCE_DATE_EPOCH). */
  sourceDateEpoch?: number;
}

export async function writeLayerTar(opts: LayerTarOptions): Promise<void> {
  const ctx: EntryContext = { links: new Map(), xattrs: await readXattrTree(opts.dir) };
  if (opts.sourceDateEpoch !== undefined) ctx.maxMtime = opts.sourceDateEpoch;
  const opaqueName = opaqueXattr(opts.rootless);
  const w = new TarWriter(opts.out);
  for await (const e of walkTree(opts.dir, whiteoutsFirst)) {
    // Before any hardlink logic: overlay's whiteouts all share one inode.
    if (isWhiteout(e.st)) {
      await w.add(marker(path.posix.join(path.posix.dirname(e.rel), WHITEOUT_PREFIX + path.posix.basename(e.rel))));
      continue;
    }
    const entry = await tarEntryFor(e, ctx);
    if (entry === undefined) continue;
    await w.add(entry, e.abs);
    if (e.st.isDirectory() && isOpaqueValue(ctx.xattrs.get(e.rel)?.get(opaqueName))) {
      await w.add(marker(`${e.rel}/${OPAQUE_MARKER}`));
    }
  }
  await w.finish();
}

function marker(p: string): TarEntry {
  return { path: p.startsWith('./') ? p.slice(2) : p, type: 'File', mode: 0, uid: 0, gid: 0, mtime: 0, size: 0 };
}

/** Whiteouts first, each group keeping the walker's byte order. */
function whiteoutsFirst(children: WalkEntry[]): WalkEntry[] {
  return [...children.filter((c) => isWhiteout(c.st)), ...children.filter((c) => !isWhiteout(c.st))];
}
