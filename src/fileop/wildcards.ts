/**
 * Wildcard expansion of a source path (fsutil copy.ResolveWildcards): the path is split at the first
 * component holding a wildcard; the part before it is resolved in root, the rest is matched component by
 * component with Go's filepath.Match. Symlinked directories are not descended (like filepath.Walk);
 * a matching directory is returned whole. Matches come back sorted, as container paths.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { isErrno } from '../errors.js';
import { BadPatternError, goMatch, hasWildcard } from './go-match.js';
import { cleanAbs, containerPathOf, rootPath } from './paths.js';

export function splitWildcards(p: string): { base: string; rest: string[] } {
  const parts = cleanAbs(p).split('/').filter((c) => c !== '');
  const i = parts.findIndex(hasWildcard);
  if (i < 0) return { base: '/' + parts.join('/'), rest: [] };
  return { base: '/' + parts.slice(0, i).join('/'), rest: parts.slice(i) };
}

/** Expand `src`; a path without wildcards comes back as itself (cleaned), existing or not. */
export async function resolveWildcards(root: string, src: string, followLinks: boolean): Promise<string[]> {
  const { base, rest } = splitWildcards(src);
  if (rest.length === 0) return [base];
  const baseHost = await rootPath(root, base, followLinks);
  const out: string[] = [];
  await walk(baseHost, rest, out);
  return out.map((h) => containerPathOf(root, h));
}

async function walk(dir: string, rest: string[], out: string[]): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    // A missing or non-directory base matches nothing (Go's Walk would fail with the lstat error).
    if (isErrno(e, 'ENOENT') || isErrno(e, 'ENOTDIR')) return;
    throw e;
  }
  const names = entries.map((d) => ({ name: d.name, isDir: d.isDirectory() }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const [comp, ...more] = rest;
  for (const { name, isDir } of names) {
    let ok: boolean;
    try { ok = goMatch(comp!, name); } catch (e) {
      if (e instanceof BadPatternError) return; // Go ignores Match errors here: nothing matches
      throw e;
    }
    if (!ok) continue;
    if (more.length === 0) out.push(path.join(dir, name));
    else if (isDir) await walk(path.join(dir, name), more, out);
  }
}
