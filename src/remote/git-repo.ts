/**
 * The shared bare repository of one remote in the state dir (`git/<sha256 of the remote>`), as BuildKit keeps
 * one per remote: refs are resolved against it with ls-remote, and commits fetched into it shallowly, so a
 * later build of another ref of the same remote fetches only what it lacks. All access goes through a lock.
 */
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { sha256Digest } from '../oci/digest.js';
import { redact } from '../progress/redact.js';
import { withFileLock } from './file-lock.js';
import { COMMIT_SHA, git, GitCommandError } from './git-cli.js';
import { exists } from '../util/fs.js';

export interface BareRepo {
  readonly dir: string;
  readonly remote: string;
  readonly signal?: AbortSignal;
}

/** Run fn with the remote's bare repository (created on first use), holding its lock. */
export async function withBareRepo<T>(o: { stateRoot: string; remote: string; signal?: AbortSignal }, fn: (repo: BareRepo) => Promise<T>): Promise<T> {
  const root = path.join(o.stateRoot, 'git');
  await mkdir(root, { recursive: true, mode: 0o700 });
  const dir = path.join(root, sha256Digest(o.remote).slice('sha256:'.length));
  return withFileLock(dir + '.lock', async () => {
    if (!(await exists(dir))) await initBare(root, dir, o.remote, o.signal);
    return fn({ dir, remote: o.remote, ...(o.signal ? { signal: o.signal } : {}) });
  }, o.signal);
}


/** init --bare + origin in a temp dir, renamed into place: a half-made repository is never used. */
async function initBare(root: string, dir: string, remote: string, signal: AbortSignal | undefined): Promise<void> {
  const tmp = await mkdtemp(path.join(root, '.init-'));
  try {
    const s = signal ? { signal } : {};
    await git({ args: ['-c', 'init.defaultBranch=master', 'init', '--bare', '--quiet'], gitDir: tmp, ...s });
    await git({ args: ['remote', 'add', 'origin', remote], gitDir: tmp, ...s });
    await rename(tmp, dir);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
}

export interface ResolvedRef {
  /** What the ref names: the commit, or the tag object of an annotated tag (BuildKit's pin). */
  readonly sha: string;
  /** The commit it peels to. */
  readonly commit: string;
  /** The ref asked, or the remote's default branch for an empty one. */
  readonly ref: string;
}

/** BuildKit's CacheKey: a 40-hex ref is taken as is; anything else is asked of the remote with ls-remote. */
export async function resolveRef(repo: BareRepo, ref: string): Promise<ResolvedRef> {
  if (COMMIT_SHA.test(ref)) return { sha: ref, commit: ref, ref };
  let name = ref;
  if (name === '') {
    const out = await lsRemote(repo, ['--symref', 'origin', 'HEAD']);
    const m = /^ref: refs\/heads\/(\S+)\tHEAD$/m.exec(out);
    if (!m) throw new GitCommandError(`could not find default branch for repository: ${redact(repo.remote)}`, out);
    name = m[1]!;
  }
  const out = await lsRemote(repo, ['origin', name]);
  const lines = out.split('\n').filter((l) => l.includes('\t')).map((l) => l.split('\t') as [string, string]);
  const first = lines[0];
  if (!first || !COMMIT_SHA.test(first[0])) {
    throw new GitCommandError(`repository ${redact(repo.remote)} does not contain ref ${name}`, out);
  }
  const peeled = lines.find(([, r]) => r === `${first[1]}^{}`);
  return { sha: first[0], commit: peeled ? peeled[0] : first[0], ref: name };
}

async function lsRemote(repo: BareRepo, args: string[]): Promise<string> {
  try {
    return await git({ args: ['ls-remote', ...args], gitDir: repo.dir, ...(repo.signal ? { signal: repo.signal } : {}) });
  } catch (e) {
    if (e instanceof GitCommandError) throw new GitCommandError(`failed to fetch remote ${redact(repo.remote)}: ${e.message}`, e.stderr);
    throw e;
  }
}

async function has(repo: BareRepo, sha: string): Promise<boolean> {
  try {
    await git({ args: ['cat-file', '-e', `${sha}^{commit}`], gitDir: repo.dir });
    return true;
  } catch (e) {
    if (e instanceof GitCommandError) return false;
    throw e;
  }
}

/**
 * Make `sha` present in the bare repository: fetch the named ref shallowly (kept as tags/<ref> so later fetches
 * negotiate against it, as BuildKit does), and if the ref moved since it was resolved, the commit itself.
 */
export async function fetchCommit(repo: BareRepo, r: ResolvedRef): Promise<void> {
  if (await has(repo, r.sha)) return;
  const s = repo.signal ? { signal: repo.signal } : {};
  await rm(path.join(repo.dir, 'shallow.lock'), { force: true });
  const wrap = (e: unknown): unknown =>
    e instanceof GitCommandError ? new GitCommandError(`failed to fetch remote ${redact(repo.remote)}: ${e.message}`, e.stderr) : e;
  try {
    if (!COMMIT_SHA.test(r.ref)) {
      await git({ args: ['fetch', '--depth=1', '--no-tags', 'origin', '--force', `${r.ref}:tags/${r.ref}`], gitDir: repo.dir, ...s });
      if (await has(repo, r.sha)) return;
    }
    await git({ args: ['fetch', '--depth=1', '--no-tags', 'origin', r.sha], gitDir: repo.dir, ...s });
  } catch (e) {
    throw wrap(e);
  }
  if (!(await has(repo, r.sha))) throw new GitCommandError(`failed to fetch remote ${redact(repo.remote)}: commit ${r.sha} not found`, '');
}
