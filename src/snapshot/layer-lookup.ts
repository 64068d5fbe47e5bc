/**
 * What a stack of layer dirs shows at one path, looked up layer by layer from the top, without merging them:
 * the topmost layer's entry, unless a layer above hides it with a whiteout of it or of a parent (a device or a
 * `.wh.` marker), an opaque parent marked with `.wh..wh..opq`, or a non-directory in place of a parent.
 * Works on both layer formats (overlay-format.ts), except that overlay's opaque xattr is not read (a getfattr
 * process per layer): under such a parent a lower entry can show through here.
 */
import { lstatSync, type Stats } from 'node:fs';
import path from 'node:path';
import { isErrno } from '../errors.js';
import { OPAQUE_MARKER, WHITEOUT_PREFIX, isWhiteout } from './overlay-format.js';

/** `rel`: "/"-separated, relative to each layer, not empty. */
export function lookupInLayers(layersTopFirst: readonly string[], rel: string): Stats | undefined {
  const parts = rel.split('/');
  for (const layer of layersTopFirst) {
    const st = lstatOrGone(path.join(layer, rel));
    if (st === 'hidden') return undefined;
    if (st !== undefined) return isWhiteout(st) ? undefined : st;
    for (let i = 0; i < parts.length; i++) {
      const dir = path.join(layer, ...parts.slice(0, i));
      if (isFile(path.join(dir, WHITEOUT_PREFIX + parts[i]!)) || isFile(path.join(dir, OPAQUE_MARKER))) return undefined;
    }
  }
  return undefined;
}

/** lstat; undefined when absent; 'hidden' when a parent is no directory in this layer (it hides all below). */
function lstatOrGone(p: string): Stats | 'hidden' | undefined {
  try {
    return lstatSync(p);
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return undefined;
    if (isErrno(e, 'ENOTDIR')) return 'hidden';
    throw e;
  }
}

function isFile(p: string): boolean {
  return lstatSync(p, { throwIfNoEntry: false })?.isFile() === true;
}
