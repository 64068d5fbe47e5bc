/**
 * What a tree looked like at one moment, cheaply: for every entry its inode identity and change stamps, no
 * content. The native snapshotter records the rootfs right after materializing it and compares after the
 * process ran (native-diff.ts).
 *
 * An inode number alone is no identity: ext4 hands a freed inode number to the next file created, often at
 * once. The birth time tells the incarnations apart (statx; files made by the process are born long after the
 * materialized copy). A change to an entry moves its ctime; the kernel (6.13+ multigrain timestamps) gives a
 * fine-grained ctime to a change right after a stat, and mtime and size are compared as well for older kernels.
 */
import { lstatSync, readdirSync, type BigIntStats } from 'node:fs';
import path from 'node:path';

export interface EntryState {
  ino: bigint;
  birthNs: bigint;
  ctimeNs: bigint;
  mtimeNs: bigint;
  size: bigint;
  /** st_mode & S_IFMT */
  type: number;
  /** Child names, for directories. */
  children?: string[];
}

/** Keyed by path relative to the root ("" is the root itself). */
export type TreeState = Map<string, EntryState>;

const S_IFMT = 0o170000n;

export function stateOf(st: BigIntStats): EntryState {
  return { ino: st.ino, birthNs: st.birthtimeNs, ctimeNs: st.ctimeNs, mtimeNs: st.mtimeNs, size: st.size, type: Number(st.mode & S_IFMT) };
}

/** Same inode incarnation (then a type change cannot happen). */
export function sameInode(a: EntryState, b: EntryState): boolean {
  return a.ino === b.ino && a.birthNs === b.birthNs && a.type === b.type;
}

/** Same inode and nothing about it changed since. */
export function unchanged(a: EntryState, b: EntryState): boolean {
  return sameInode(a, b) && a.ctimeNs === b.ctimeNs && a.mtimeNs === b.mtimeNs && a.size === b.size;
}

export function isDirState(s: EntryState): boolean {
  return s.type === 0o040000;
}

/** Record the whole tree under root (symlinks not followed). Synchronous: ~10k lstat calls, no thread-pool hops. */
export function recordTree(root: string): TreeState {
  const state: TreeState = new Map();
  const visit = (rel: string): void => {
    const st = stateOf(lstatSync(path.join(root, rel), { bigint: true }));
    state.set(rel, st);
    if (!isDirState(st)) return;
    st.children = readdirSync(path.join(root, rel));
    for (const name of st.children) visit(rel === '' ? name : `${rel}/${name}`);
  };
  visit('');
  return state;
}
