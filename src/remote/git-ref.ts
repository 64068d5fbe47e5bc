/**
 * Which ADD sources are git repositories, and what they name, as BuildKit's dfgitutil.ParseGitRef and
 * gitutil.ParseURL decide:
 *   https://host/repo.git#ref:subdir   http(s) only with a path ending in ".git"
 *   git://host/repo#ref, ssh://user@host/repo.git
 *   user@host:repo.git#ref             (scp-like, ssh)
 * plus the query form `?ref=|tag=|branch=|subdir=|checksum=|commit=|keep-git-dir=|submodules=`.
 * `./x`, `../x`, `github.com/x` (indistinguishable from a local path) and other schemes are not git refs.
 */
import { DockerfileError } from '../errors.js';

export interface GitRef {
  /** What to hand to git: the URL without fragment and BuildKit query (credentials kept). */
  readonly remote: string;
  readonly scheme: 'http' | 'https' | 'git' | 'ssh';
  /** host[:port] and path, for the LLB identifier `git://HOST/PATH#ref:subdir`. */
  readonly host: string;
  readonly path: string;
  /** Branch, tag or commit; empty = the remote's default branch. */
  readonly ref: string;
  readonly subdir: string;
  /** A commit the resolved ref must match (`?checksum=` / `?commit=`). */
  readonly checksum?: string;
  readonly keepGitDir?: boolean;
  readonly submodules?: boolean;
}

const SCHEME = /^([a-zA-Z0-9]+):\/\//;
const GIT_SCHEMES = new Set(['http', 'https', 'git', 'ssh']);
/** sshutil's implicit ssh transport: user@host:path. */
const SCP_LIKE = /^([a-zA-Z0-9-_]+)@([a-zA-Z0-9-.]+):(.*?)(?:#(.*))?$/;

/** The git ref `src` names, or undefined when it is not a git source. Throws on a git URL with a bad query. */
export function parseGitRef(src: string): GitRef | undefined {
  if (src.startsWith('./') || src.startsWith('../') || src.startsWith('github.com/')) return undefined;
  const scheme = SCHEME.exec(src)?.[1]?.toLowerCase();
  if (scheme !== undefined) {
    if (!GIT_SCHEMES.has(scheme)) return undefined;
    let u: URL;
    try {
      u = new URL(src);
    } catch {
      return undefined;
    }
    // URL keeps a leading '#' of "##ref=..." (BuildKit's CSV fragment form) in hash.slice(1).
    const fragment = decodeURIComponent(u.hash.slice(1));
    if ((scheme === 'http' || scheme === 'https') && !u.pathname.endsWith('.git')) return undefined;
    const query = u.search;
    u.hash = '';
    u.search = '';
    const base = { remote: u.toString(), scheme: scheme as GitRef['scheme'], host: u.host, path: decodeURIComponent(u.pathname) };
    return withQuery({ ...base, ...splitFragment(fragment) }, new URLSearchParams(query), src);
  }
  const m = SCP_LIKE.exec(src);
  if (!m) return undefined;
  const [, user, host, p, fragment] = m as unknown as [string, string, string, string, string | undefined];
  return { remote: `${user}@${host}:${p}`, scheme: 'ssh', host, path: p, ...splitFragment(fragment ?? '') };
}

/** `ref:subdir`, or BuildKit's CSV form `#ref=..,subdir=..,commit=..` (a second '#'). */
function splitFragment(fragment: string): { ref: string; subdir: string; checksum?: string } {
  if (fragment.startsWith('#')) {
    const out: { ref: string; subdir: string; checksum?: string } = { ref: '', subdir: '' };
    for (const field of fragment.slice(1).split(',').filter((f) => f !== '')) {
      const eq = field.indexOf('=');
      if (eq < 0) throw new DockerfileError(`invalid git URL fragment field '${field}' must be a key=value pair`);
      const key = field.slice(0, eq).toLowerCase();
      const value = field.slice(eq + 1);
      if (key === 'ref') out.ref = value;
      else if (key === 'subdir') out.subdir = value;
      else if (key === 'commit') out.checksum = value;
      else throw new DockerfileError(`unexpected key '${key}' in '${field}' (supported keys: ref, commit, subdir)`);
    }
    if (out.checksum !== undefined && out.ref === '') out.ref = out.checksum;
    return out;
  }
  const colon = fragment.indexOf(':');
  return colon < 0 ? { ref: fragment, subdir: '' } : { ref: fragment.slice(0, colon), subdir: fragment.slice(colon + 1) };
}

function parseBool(key: string, v: string): boolean {
  if (v === '') return true;
  if (/^(1|t|true)$/i.test(v)) return true;
  if (/^(0|f|false)$/i.test(v)) return false;
  throw new DockerfileError(`invalid ${key} value: "${v}"`);
}

/** BuildKit's GitRef.loadQuery: ref/tag/branch/subdir/checksum/commit/keep-git-dir/submodules, each at most once. */
function withQuery(ref: GitRef, q: URLSearchParams, src: string): GitRef {
  const keys = [...new Set(q.keys())];
  if (keys.length === 0) return ref;
  const out: { -readonly [K in keyof GitRef]: GitRef[K] } = { ...ref };
  let tag = '';
  let branch = '';
  for (const k of keys) {
    const all = q.getAll(k);
    if (all.length > 1) throw new DockerfileError(`${src}: query "${k}" has multiple values`);
    const v = all[0] ?? '';
    if (v === '' && k !== 'submodules' && k !== 'keep-git-dir') throw new DockerfileError(`${src}: query "${k}" has no value`);
    const conflict = (what: string, a: string, b: string): never => { throw new DockerfileError(`${src}: ${what} conflicts: "${a}" vs "${b}"`); };
    switch (k) {
      case 'ref': if (out.ref !== '' && out.ref !== v) conflict('ref', out.ref, v); out.ref = v; break;
      case 'tag': tag = v.startsWith('refs/tags/') ? v : `refs/tags/${v}`; break;
      case 'branch': branch = v.startsWith('refs/heads/') ? v : `refs/heads/${v}`; break;
      case 'subdir': if (out.subdir !== '' && out.subdir !== v) conflict('subdir', out.subdir, v); out.subdir = v; break;
      case 'checksum': case 'commit': out.checksum = v; break;
      case 'keep-git-dir': out.keepGitDir = parseBool(k, v); break;
      case 'submodules': out.submodules = parseBool(k, v); break;
      default: throw new DockerfileError(`${src}: unexpected query "${k}"`);
    }
  }
  if (tag !== '') { if (out.ref !== '' && out.ref !== tag) throw new DockerfileError(`${src}: ref conflicts: "${out.ref}" vs "${tag}"`); out.ref = tag; }
  if (branch !== '') {
    if (tag !== '') throw new DockerfileError(`${src}: branch conflicts with tag`);
    if (out.ref !== '' && out.ref !== branch) throw new DockerfileError(`${src}: ref conflicts: "${out.ref}" vs "${branch}"`);
    out.ref = branch;
  }
  if (out.checksum !== undefined && out.ref === '') out.ref = out.checksum;
  return out;
}

/** BuildKit's subdir cleaning (path.Clean of "/" + subdir, without the slash): `..` cannot leave the repo. */
export function cleanSubdir(s: string): string {
  const parts: string[] = [];
  for (const p of s.split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..') parts.pop();
    else parts.push(p);
  }
  return parts.join('/');
}
