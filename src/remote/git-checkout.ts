/**
 * Check a fetched commit out of the shared bare repository into a snapshot dir, as BuildKit's git source
 * Snapshot does: the tree (optionally only a subdir, whose contents become the root), submodules updated
 * (`--init --recursive --depth=1`) unless skipped, and a `.git` only with keepGitDir (a fresh repository holding
 * the one commit, origin set to the remote with credentials masked). A subdir may not leave the checkout, through
 * `..` or through a symlink.
 */
import { mkdir, mkdtemp, readdir, realpath, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { FileOpError, isErrno } from '../errors.js';
import { redact } from '../progress/redact.js';
import { exists } from '../util/fs.js';
import { git } from './git-cli.js';
import type { BareRepo } from './git-repo.js';

export interface CheckoutOptions {
  readonly repo: BareRepo;
  /** The commit (or annotated tag) to check out. */
  readonly sha: string;
  /** The empty dir to fill. */
  readonly dest: string;
  /** Scratch space on the same filesystem as dest. */
  readonly tmp: string;
  /** Cleaned (no leading slash, no `..`); "" for the whole repository. */
  readonly subdir: string;
  readonly keepGitDir: boolean;
  readonly submodules: boolean;
}

export async function checkout(o: CheckoutOptions): Promise<void> {
  const s = o.repo.signal ? { signal: o.repo.signal } : {};
  const work = await mkdtemp(path.join(o.tmp, 'git-'));
  try {
    if (o.keepGitDir && o.subdir === '') {
      await checkoutWithGitDir(o, work);
      return;
    }
    // The index lives outside both the shared repository and the checkout.
    const env = { GIT_INDEX_FILE: path.join(work, 'index') };
    const tree = o.subdir === '' ? o.dest : path.join(work, 'tree');
    await mkdir(tree, { recursive: true });
    await git({ args: ['checkout', o.sha, '--', '.'], gitDir: o.repo.dir, workTree: tree, cwd: o.dest, env, ...s });
    if (o.submodules && o.subdir === '' && (await exists(path.join(tree, '.gitmodules')))) {
      await git({ args: ['submodule', 'update', '--init', '--recursive', '--depth=1'], gitDir: o.repo.dir, workTree: tree, cwd: tree, env, ...s })
        .catch((e: unknown) => { throw new FileOpError(`failed to update submodules for ${redact(o.repo.remote)}: ${(e as Error).message}`); });
      await removeGitFiles(tree);
    }
    if (o.subdir !== '') await moveSubdir(tree, o.subdir, o.dest, o.repo.remote);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** The subdir's entries become dest's; it must resolve (symlinks followed) to a directory inside the tree. */
async function moveSubdir(tree: string, subdir: string, dest: string, remote: string): Promise<void> {
  const root = await realpath(tree);
  let target: string;
  try {
    target = await realpath(path.join(tree, subdir));
  } catch (e) {
    if (isErrno(e, 'ENOENT') || isErrno(e, 'ENOTDIR')) throw new FileOpError(`subdir ${subdir} not found in ${redact(remote)}`);
    throw e;
  }
  if (target !== root && !target.startsWith(root + path.sep)) {
    throw new FileOpError(`subdir ${subdir} of ${redact(remote)} leaves the repository (it resolves outside the checkout)`);
  }
  if (!(await stat(target)).isDirectory()) throw new FileOpError(`subdir ${subdir} of ${redact(remote)} is not a directory`);
  for (const name of await readdir(target)) await rename(path.join(target, name), path.join(dest, name));
}

/** Submodule work trees got `.git` files pointing into the shared repository: without keepGitDir they go. */
async function removeGitFiles(dir: string): Promise<void> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.name === '.git' && e.isFile()) await rm(path.join(dir, e.name));
    else if (e.isDirectory()) await removeGitFiles(path.join(dir, e.name));
  }
}

/** keepGitDir: a repository of its own in dest/.git, fetched from the shared one over file:// (no local-clone shortcuts). */
async function checkoutWithGitDir(o: CheckoutOptions, work: string): Promise<void> {
  const s = o.repo.signal ? { signal: o.repo.signal } : {};
  const gitDir = path.join(o.dest, '.git');
  const tempRef = `refs/buildkit/${path.basename(work)}`;
  await git({ args: ['-c', 'init.defaultBranch=master', 'init', '--quiet'], gitDir, ...s });
  await git({ args: ['remote', 'add', 'origin', 'file://' + o.repo.dir], gitDir, ...s });
  await git({ args: ['update-ref', tempRef, o.sha], gitDir: o.repo.dir, ...s });
  try {
    await git({ args: ['fetch', '-u', '--depth=1', 'origin', tempRef], gitDir, ...s });
  } finally {
    await git({ args: ['update-ref', '-d', tempRef], gitDir: o.repo.dir });
  }
  await git({ args: ['checkout', '--quiet', 'FETCH_HEAD'], gitDir, workTree: o.dest, cwd: o.dest, ...s });
  await git({ args: ['remote', 'set-url', 'origin', redact(o.repo.remote)], gitDir, ...s });
  if (o.submodules && (await exists(path.join(o.dest, '.gitmodules')))) {
    await git({ args: ['submodule', 'update', '--init', '--recursive', '--depth=1'], gitDir, workTree: o.dest, cwd: o.dest, ...s })
      .catch((e: unknown) => { throw new FileOpError(`failed to update submodules for ${redact(o.repo.remote)}: ${(e as Error).message}`); });
  }
  await git({ args: ['reflog', 'expire', '--all', '--expire=now'], gitDir, ...s });
  await rm(path.join(gitDir, 'FETCH_HEAD'), { force: true });
}
