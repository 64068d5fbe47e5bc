/**
 * Turn a freshly extracted OCI layer (with `.wh.NAME` and `.wh..wh..opq` marker files) into the overlay format:
 * whiteout char devices 0:0 and opaque xattrs. Costs three processes per layer whatever the number of markers
 * (find, mknod, setfattr): every whiteout is a hardlink to one char device 0:0, exactly like overlayfs's own
 * upperdirs, because Node cannot mknod and one `mknod` per file would dominate big deletions.
 *
 * Paths come from `find -P` under `dest`, so no component is a symlink: nothing here can touch outside `dest`.
 */
import { randomBytes } from 'node:crypto';
import { link, rm, unlink } from 'node:fs/promises';
import path from 'node:path';
import { isErrno } from '../errors.js';
import { DirTimes } from './dir-times.js';
import { META_PREFIX, OPAQUE_MARKER, WHITEOUT_PREFIX, opaqueXattr } from './overlay-format.js';
import { run } from './proc.js';
import { restoreXattrs } from './xattrs.js';
import { lstatIfExists } from '../util/fs.js';

export interface ConvertResult {
  whiteouts: number;
  opaqueDirs: number;
}

export async function convertOciWhiteouts(dest: string, rootless: boolean, signal?: AbortSignal): Promise<ConvertResult> {
  // -prune: a marker that is itself a directory is removed whole, its content never matters.
  const { stdout } = await run('find', ['.', '-name', `${WHITEOUT_PREFIX}*`, '-prune', '-print0'], { cwd: dest, signal });
  const markers = stdout.toString('utf8').split('\0').filter((p) => p !== '');
  if (markers.length === 0) return { whiteouts: 0, opaqueDirs: 0 };

  const times = new DirTimes();
  const whiteouts: string[] = [];
  const opaque = new Set<string>();
  for (const rel of markers) {
    const dir = path.dirname(rel);
    const base = path.basename(rel);
    await times.remember(path.join(dest, dir));
    await rm(path.join(dest, rel), { recursive: true, force: true });
    if (base === OPAQUE_MARKER) { opaque.add(dir); continue; }
    const name = base.slice(WHITEOUT_PREFIX.length);
    // `.wh..` and `.wh...` name no sibling: path.join would make them dest's own dir or its parent.
    if (base.startsWith(META_PREFIX) || name === '.' || name === '..') continue;
    const target = path.join(dir, name);
    const st = await lstatIfExists(path.join(dest, target));
    // The OCI spec lets a layer both delete NAME from below and add NAME itself: a file simply stays (it hides
    // the lower one anyway); a directory must also hide the lower directory's content, i.e. become opaque.
    if (st === undefined) whiteouts.push(target);
    else if (st.isDirectory()) opaque.add(target);
  }
  if (whiteouts.length > 0) {
    await times.remember(dest);
    await linkWhiteouts(dest, whiteouts, signal);
  }
  const value = new Map([[opaqueXattr(rootless), Buffer.from('y')]]);
  await restoreXattrs(dest, [...opaque].sort().map((d) => [d, value]));
  await times.restore();
  return { whiteouts: whiteouts.length, opaqueDirs: opaque.size };
}

/** Create each whiteout as a hardlink to one char device 0:0 (a new one when the link count runs out). */
async function linkWhiteouts(dest: string, targets: string[], signal?: AbortSignal): Promise<void> {
  const protos: string[] = [];
  const newProto = async (): Promise<string> => {
    const p = path.join(dest, `.overlay-whiteout-${randomBytes(8).toString('hex')}`);
    await run('mknod', ['-m', '000', p, 'c', '0', '0'], { signal });
    protos.push(p);
    return p;
  };
  try {
    let proto = await newProto();
    for (const t of targets) {
      try {
        await link(proto, path.join(dest, t));
      } catch (e) {
        if (!isErrno(e, 'EMLINK')) throw e;
        proto = await newProto();
        await link(proto, path.join(dest, t));
      }
    }
  } finally {
    for (const p of protos) await unlink(p);
  }
}
