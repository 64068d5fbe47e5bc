/** Test helpers: build small trees from a spec and read them back. */
import { mkdir, mkdtemp, readFile, readlink, rm, symlink, writeFile, lstat, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** path -> file content | { link: target } | { dir: true } */
export type Spec = Record<string, string | { link: string } | { dir: true }>;

export async function tempDir(prefix = 'fileop-'): Promise<string> {
  return mkdtemp(path.join(tmpdir(), prefix));
}

export async function removeDir(p: string): Promise<void> {
  await rm(p, { recursive: true, force: true });
}

/** Create entries under root; parents are created as needed. Files get an mtime in the past. */
export async function makeTree(root: string, spec: Spec): Promise<void> {
  for (const [rel, v] of Object.entries(spec)) {
    const p = path.join(root, rel);
    await mkdir(path.dirname(p), { recursive: true });
    if (typeof v === 'string') {
      await writeFile(p, v);
      await utimes(p, 1_600_000_000, 1_600_000_000);
    } else if ('link' in v) await symlink(v.link, p);
    else await mkdir(p, { recursive: true });
  }
}

export async function readText(p: string): Promise<string> {
  return readFile(p, 'utf8');
}

export async function linkTarget(p: string): Promise<string> {
  return readlink(p);
}

export async function exists(p: string): Promise<boolean> {
  try { await lstat(p); return true; } catch { return false; }
}

export async function modeOf(p: string): Promise<number> {
  return (await lstat(p)).mode & 0o7777;
}

/** Sorted relative paths of everything under root ('dir/' for directories). */
export async function listTree(root: string): Promise<string[]> {
  const { readdir } = await import('node:fs/promises');
  const out: string[] = [];
  const walk = async (dir: string, rel: string): Promise<void> => {
    for (const d of await readdir(dir, { withFileTypes: true })) {
      const r = rel === '' ? d.name : `${rel}/${d.name}`;
      if (d.isDirectory()) { out.push(r + '/'); await walk(path.join(dir, d.name), r); } else out.push(r);
    }
  };
  await walk(root, '');
  return out.sort();
}
