/**
 * Deterministic depth-first walk of a directory tree (pre-order: a directory before its content), never
 * following symlinks. Children are visited in byte order of their UTF-8 names (Go's sort.Strings, as BuildKit),
 * unless `order` rearranges them. The root itself is not yielded.
 */
import type { Stats } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import { isErrno } from '../errors.js';

export interface WalkEntry {
  /** Path relative to the root, "/"-separated, no leading "./". */
  rel: string;
  abs: string;
  st: Stats;
}

export type ChildOrder = (children: WalkEntry[]) => WalkEntry[];

export async function* walkTree(root: string, order?: ChildOrder): AsyncGenerator<WalkEntry> {
  yield* walkDir(path.resolve(root), '', order);
}

async function* walkDir(abs: string, rel: string, order?: ChildOrder): AsyncGenerator<WalkEntry> {
  const names = (await readdir(abs)).sort(byteOrder);
  // lstat siblings concurrently (the thread pool overlaps them); visit them in order.
  const found = await Promise.all(names.map(async (name): Promise<WalkEntry | undefined> => {
    const childAbs = path.join(abs, name);
    try {
      return { rel: rel === '' ? name : `${rel}/${name}`, abs: childAbs, st: await lstat(childAbs) };
    } catch (e) {
      // A whiteout listed by a merged overlay mount in a directory only one layer has: it does not exist.
      if (isErrno(e, 'ENOENT')) return undefined;
      throw e;
    }
  }));
  const children = found.filter((c): c is WalkEntry => c !== undefined);
  for (const child of order ? order(children) : children) {
    yield child;
    if (child.st.isDirectory()) yield* walkDir(child.abs, child.rel, order);
  }
}

/** Compare by UTF-8 bytes (differs from JS's UTF-16 order for characters beyond U+FFFF). */
export function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
