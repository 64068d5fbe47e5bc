/**
 * Keep a freshly extracted OCI layer in the marker format (the native snapshotter's layer dirs): the `.wh.`
 * entries stay as the tar had them, but only in a shape every reader can trust:
 * - each remaining marker is an empty regular file with one link; a directory, symlink, device or hardlinked file
 *   named `.wh.NAME` becomes one (it still deletes NAME, as convertOciWhiteouts reads it), its content dropped;
 * - names that delete no sibling (`.wh.`, `.wh..`, `.wh...`) and AUFS's `.wh..wh.*` names other than the opaque
 *   marker are removed.
 * One `find` per layer; only markers are touched, and their directories' times are put back.
 *
 * Paths come from `find -P` under `dest`, so no component is a symlink: nothing here can touch outside `dest`.
 */
import { lstat, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DirTimes } from './dir-times.js';
import { OPAQUE_MARKER, WHITEOUT_PREFIX, markerTarget } from './overlay-format.js';
import { run } from './proc.js';

export interface MarkerResult {
  /** Whiteout markers kept (`.wh.NAME`). */
  whiteouts: number;
  opaqueDirs: number;
  /** Entries removed or rewritten into a plain marker. */
  sanitized: number;
}

export async function sanitizeOciMarkers(dest: string, signal?: AbortSignal): Promise<MarkerResult> {
  // -prune: a marker that is itself a directory is replaced whole, its content never matters.
  const { stdout } = await run('find', ['.', '-name', `${WHITEOUT_PREFIX}*`, '-prune', '-print0'], { cwd: dest, signal });
  const markers = stdout.toString('utf8').split('\0').filter((p) => p !== '');
  const result: MarkerResult = { whiteouts: 0, opaqueDirs: 0, sanitized: 0 };
  const times = new DirTimes();
  for (const rel of markers) {
    const abs = path.join(dest, rel);
    const base = path.basename(rel);
    const keep = base === OPAQUE_MARKER || markerTarget(base) !== undefined;
    if (keep) {
      if (base === OPAQUE_MARKER) result.opaqueDirs++;
      else result.whiteouts++;
      const st = await lstat(abs);
      if (st.isFile() && st.size === 0 && st.nlink === 1) continue;
    }
    result.sanitized++;
    await times.remember(path.dirname(abs));
    await rm(abs, { recursive: true, force: true });
    // Mode 0 like the marker entries of a layer tar (and like overlay's whiteout devices): nothing reads them.
    if (keep) await writeFile(abs, '', { mode: 0, flag: 'wx' });
  }
  await times.restore();
  return result;
}

/**
 * Whether a layer dir holds any `.wh.` entry (a marker-format layer that deletes something): a view of it alone
 * must then be materialized, not shown as it is. One `find` that stops at the first hit (the Debian test image's
 * 6,226 entries: about 10 ms).
 */
export async function hasMarkers(dir: string, signal?: AbortSignal): Promise<boolean> {
  const { stdout } = await run('find', ['.', '-name', `${WHITEOUT_PREFIX}*`, '-print', '-quit'], { cwd: dir, signal });
  return stdout.length > 0;
}
