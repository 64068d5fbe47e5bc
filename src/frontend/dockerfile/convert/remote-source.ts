/**
 * ADD's remote sources, as BuildKit's dispatchCopy makes them: a git ref (dfgitutil.ParseGitRef, checked first,
 * so `https://host/repo.git` is a repository) becomes a git source copied from "/"; any other http(s) URL an
 * http source named by the URL's last path component (or "__unnamed__"), copied from "/<name>" and never
 * extracted. `--checksum` pins the http content (sha256) or the git commit. Helper COPY calls this for each ADD
 * source and rejects URLs in COPY itself.
 */
import path from 'node:path';
import { DockerfileError, type SourceLocation } from '../../../errors.js';
import type { OpInput } from '../../../llb/ops.js';
import { gitSourceOp, httpSourceOp } from '../../../llb/remote-sources.js';
import { redact } from '../../../progress/redact.js';
import { parseGitRef, type GitRef } from '../../../remote/git-ref.js';
import type { ConvertContext } from './stage-state.js';

export interface RemoteSourceOptions {
  /** --checksum as written (after expansion). */
  readonly checksum?: string;
  /** --keep-git-dir. */
  readonly keepGitDir: boolean;
  readonly location: SourceLocation | undefined;
}

export interface RemoteSource {
  readonly input: OpInput;
  readonly kind: 'http' | 'git';
  /** What the copy action reads from `input`: "/<filename>" or "/". */
  readonly path: string;
}

export function isHttpUrl(src: string): boolean {
  return src.startsWith('http://') || src.startsWith('https://');
}

/** The source op for `src` when it is a URL or git ref; undefined for a path in the build context (or --from). */
export function remoteSource(ctx: ConvertContext, src: string, opts: RemoteSourceOptions): RemoteSource | undefined {
  const meta = { description: redact(src), ...(opts.location ? { location: opts.location } : {}) };
  let git: GitRef | undefined;
  try {
    git = parseGitRef(src);
  } catch (e) {
    throw e instanceof DockerfileError && opts.location ? e.locate(opts.location) : e;
  }
  if (git) {
    const fail = (m: string): never => { throw new DockerfileError(m, opts.location ? { location: opts.location } : {}); };
    if (git.keepGitDir === false && opts.keepGitDir) fail('inconsistent keep-git-dir configuration');
    if (opts.checksum !== undefined && git.checksum !== undefined && opts.checksum !== git.checksum) {
      fail(`checksum mismatch "${opts.checksum}" != "${git.checksum}"`);
    }
    const checksum = git.checksum ?? opts.checksum;
    const op = gitSourceOp(git, {
      keepGitDir: opts.keepGitDir || git.keepGitDir === true, skipSubmodules: git.submodules === false,
      ...(checksum !== undefined ? { checksum } : {}),
    });
    return { input: { digest: ctx.graph.add({ inputs: [], op }, meta), index: 0 }, kind: 'git', path: '/' };
  }
  if (!isHttpUrl(src)) return undefined;
  const checksum = opts.checksum !== undefined ? parseChecksum(opts.checksum, opts.location) : undefined;
  const filename = urlFileName(src);
  const op = httpSourceOp(src, { filename, ...(checksum !== undefined ? { checksum } : {}) });
  return { input: { digest: ctx.graph.add({ inputs: [], op }, meta), index: 0 }, kind: 'http', path: '/' + filename };
}

/** `path.Base(u.Path)` of the URL, or "__unnamed__" (dockerfile2llb's name for the downloaded file). */
export function urlFileName(src: string): string {
  try {
    const p = decodeURIComponent(new URL(src).pathname);
    const base = path.posix.basename(p);
    if (base !== '' && base !== '.' && base !== '/') return base;
  } catch {
    // fall through: an unparsable URL names no file
  }
  return '__unnamed__';
}

/** digest.Parse: only sha256 is accepted here. */
function parseChecksum(s: string, location: SourceLocation | undefined): string {
  const at = location ? { location } : {};
  const m = /^([a-z0-9]+(?:[.+_-][a-z0-9]+)*):([a-zA-Z0-9=_-]+)$/.exec(s);
  if (!m) throw new DockerfileError(`invalid checksum digest format: ${s}`, at);
  if (m[1] !== 'sha256') throw new DockerfileError(`unsupported digest algorithm: ${m[1]} (--checksum=${s}); only sha256 is supported`, at);
  if (!/^[a-f0-9]{64}$/.test(m[2]!)) throw new DockerfileError(`invalid checksum digest length or characters: ${s}`, at);
  return s;
}
