/**
 * Helpers for snapshot tests: scratch dirs, shell commands, tars crafted entry by entry (also malicious ones),
 * and a manifest of a tree that captures everything a layer must preserve.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { TarWriter, type TarEntry } from '../../src/snapshot/tar-writer.js';
import { isOverlayXattr, isWhiteout } from '../../src/snapshot/overlay-format.js';
import { splitDev } from '../../src/snapshot/tar-entry.js';
import { walkTree } from '../../src/snapshot/walk.js';
import { readXattrTree } from '../../src/snapshot/xattrs.js';

/** A fresh dir under $TMPDIR, removed (after lazy-unmounting anything left below it) when the test ends. */
export async function scratch(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'snapshot-test-'));
  t.after(async () => {
    const mounts = execFileSync('findmnt', ['-rn', '-o', 'TARGET'], { encoding: 'utf8' }).split('\n');
    for (const m of mounts.filter((m) => m.startsWith(dir + '/')).reverse()) sh(`umount -l '${m}'`);
    await rm(dir, { recursive: true, force: true });
  });
  return dir;
}

/** Run a shell snippet; throws with stderr on failure. */
export function sh(cmd: string, cwd?: string): string {
  return execFileSync('sh', ['-c', cmd], { encoding: 'utf8', cwd, stdio: ['ignore', 'pipe', 'pipe'] });
}

export type CraftEntry = Partial<TarEntry> & { path: string; body?: string };

/** Write a tar with exactly these entries (nothing sanitised: for hostile archives too). Returns its path. */
export async function craftTar(file: string, entries: CraftEntry[]): Promise<string> {
  const out = createWriteStream(file);
  const w = new TarWriter(out);
  let n = 0;
  for (const e of entries) {
    let source: string | undefined;
    const body = e.body ?? (e.type === undefined || e.type === 'File' ? 'data\n' : '');
    if (body !== '') {
      source = `${file}.body${n++}`;
      execFileSync('sh', ['-c', 'cat > "$0"', source], { input: body });
    }
    await w.add({ type: 'File', mode: 0o644, uid: 0, gid: 0, mtime: 1_700_000_000, ...e, size: Buffer.byteLength(body) }, source);
  }
  await w.finish();
  out.end();
  await finished(out);
  return file;
}

/** First 16 hex digits of sha256(s), as manifest() prints file contents. */
export function h16(s: string | Buffer): string {
  return createHash('sha256').update(s).digest('hex').slice(0, 16);
}

export async function sha256File(file: string): Promise<string> {
  return 'sha256:' + createHash('sha256').update(await readFile(file)).digest('hex');
}

/**
 * One line per entry: path, type, mode, owner, mtime (s), size + content hash, link target, device numbers,
 * xattrs (minus overlay's own unless `overlayXattrs`), and for multiply-linked files the first path of the inode.
 * Whiteouts are just "whiteout": they share an inode by construction.
 */
export async function manifest(dir: string, opts: { overlayXattrs?: boolean; mtimes?: boolean } = {}): Promise<string[]> {
  const xattrs = await readXattrTree(dir);
  const firstOf = new Map<string, string>();
  const lines: string[] = [];
  for await (const e of walkTree(dir)) {
    const { st } = e;
    if (isWhiteout(st)) { lines.push(`${e.rel} whiteout`); continue; }
    const parts = [e.rel, typeOf(st), (st.mode & 0o7777).toString(8), `${st.uid}:${st.gid}`];
    if (opts.mtimes !== false && !st.isSymbolicLink()) parts.push(`t=${Math.floor(st.mtimeMs / 1000)}`);
    if (st.isFile()) parts.push(`${st.size}`, h16(await readFile(e.abs)));
    if (st.isSymbolicLink()) parts.push(`-> ${await readlink(e.abs)}`);
    if (st.isCharacterDevice() || st.isBlockDevice()) { const d = splitDev(st.rdev); parts.push(`${d.devmaj},${d.devmin}`); }
    if (!st.isDirectory() && st.nlink > 1) {
      const key = `${st.dev}:${st.ino}`;
      if (!firstOf.has(key)) firstOf.set(key, e.rel);
      parts.push(`link=${firstOf.get(key)}`);
    }
    for (const [k, v] of xattrs.get(e.rel) ?? []) {
      if (opts.overlayXattrs || !isOverlayXattr(k)) parts.push(`${k}=${v.toString('base64')}`);
    }
    lines.push(parts.join(' '));
  }
  return lines;
}

function typeOf(st: import('node:fs').Stats): string {
  if (st.isDirectory()) return 'dir';
  if (st.isFile()) return 'file';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isCharacterDevice()) return 'chardev';
  if (st.isBlockDevice()) return 'blockdev';
  if (st.isFIFO()) return 'fifo';
  return 'other';
}

/** `tar -tv`-like listing of an archive through GNU tar (names only, in archive order). */
export function tarNames(file: string): string[] {
  return sh(`tar -tf '${file}'`).split('\n').filter((l) => l !== '');
}
