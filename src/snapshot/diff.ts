/**
 * Layer dir (an unpacked layer, a RUN's upperdir, a native diff) in either layer format -> OCI layer tar,
 * uncompressed.
 *
 * whiteout char device 0:0 NAME and marker file `.wh.NAME` -> empty file `.wh.NAME`; opaque dir (overlay's xattr
 * or a `.wh..wh..opq` file in it) -> the dir entry, then `.wh..wh..opq` as its first child. Each marker is written
 * once, even where a dir has both forms. Within a directory the opaque marker comes first, then whiteouts (OCI
 * image spec, "Whiteouts": before their siblings), then the rest in byte order, so the same tree always gives
 * the same bytes. Marker entries carry mode 0, owner 0:0 and mtime 0 like containerd's, so they do not depend on
 * when the deletion happened. Regular files named `.wh..wh.*` other than the opaque marker, `.wh..` or `.wh...`
 * name nothing a layer can hold and are left out.
 */
import path from 'node:path';
import { OPAQUE_MARKER, WHITEOUT_PREFIX, isMarkerFile, isOpaqueValue, isWhiteout, markerTarget, opaqueXattr } from './overlay-format.js';
import { type EntryContext, tarEntryFor } from './tar-entry.js';
import { type TarEntry, TarWriter } from './tar-writer.js';
import { type WalkEntry, byteOrder, walkTree } from './walk.js';
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
  const written = new Set<string>();
  const addMarker = async (p: string): Promise<void> => {
    if (written.has(p)) return;
    written.add(p);
    await w.add(marker(p));
  };
  for await (const e of walkTree(opts.dir, markersFirst)) {
    // Before any hardlink logic: overlay's whiteouts all share one inode.
    const kind = markerKind(e);
    if (kind !== undefined) {
      if (kind !== 'invalid') await addMarker(markerPath(e));
      continue;
    }
    const entry = await tarEntryFor(e, ctx);
    if (entry === undefined) continue;
    await w.add(entry, e.abs);
    if (e.st.isDirectory() && isOpaqueValue(ctx.xattrs.get(e.rel)?.get(opaqueName))) await addMarker(`${e.rel}/${OPAQUE_MARKER}`);
  }
  await w.finish();
}

type MarkerKind = 'opaque' | 'whiteout' | 'invalid';

function markerKind(e: WalkEntry): MarkerKind | undefined {
  if (isWhiteout(e.st)) return 'whiteout';
  const name = path.posix.basename(e.rel);
  if (!isMarkerFile(name, e.st)) return undefined;
  if (name === OPAQUE_MARKER) return 'opaque';
  return markerTarget(name) === undefined ? 'invalid' : 'whiteout';
}

/** The tar path of a marker entry: a whiteout device NAME is written as `.wh.NAME`. */
function markerPath(e: WalkEntry): string {
  if (!isWhiteout(e.st)) return e.rel;
  return path.posix.join(path.posix.dirname(e.rel), WHITEOUT_PREFIX + path.posix.basename(e.rel));
}

function marker(p: string): TarEntry {
  return { path: p.startsWith('./') ? p.slice(2) : p, type: 'File', mode: 0, uid: 0, gid: 0, mtime: 0, size: 0 };
}

/** The opaque marker, then whiteouts by their tar name, then the rest in the walker's byte order. */
function markersFirst(children: WalkEntry[]): WalkEntry[] {
  const opaque = children.filter((c) => markerKind(c) === 'opaque');
  const whiteouts = children.filter((c) => markerKind(c) === 'whiteout')
    .sort((a, b) => byteOrder(path.posix.basename(markerPath(a)), path.posix.basename(markerPath(b))));
  const rest = children.filter((c) => markerKind(c) === undefined || markerKind(c) === 'invalid');
  return [...opaque, ...whiteouts, ...rest];
}
