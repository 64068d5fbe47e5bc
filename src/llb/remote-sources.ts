/**
 * Source ops for remote content, with BuildKit's identifiers and attrs (client/llb/source.go: HTTP and Git):
 *   `https://host/file` | `http://...`  attrs http.checksum, http.filename, http.perm (octal "0644"), http.uid, http.gid
 *   `git://HOST/PATH[#ref[:subdir]]`     attrs git.fullurl, git.keepgitdir, git.checksum, git.skipsubmodules,
 *                                        git.authtokensecret / git.authheadersecret (the default secret names),
 *                                        git.mountsshsock for ssh remotes
 * The identifier of a git source names host and path only, so the https and ssh forms of one repo share it.
 */
import path from 'node:path';
import type { GitRef } from '../remote/git-ref.js';
import type { SourceOp } from './ops.js';

export interface HttpSourceOptions {
  /** "sha256:<hex>" the content must have. */
  readonly checksum?: string;
  /** Name of the file in the snapshot (else Content-Disposition, else the URL's last path component). */
  readonly filename?: string;
  readonly perm?: number;
  readonly uid?: number;
  readonly gid?: number;
}

export function httpSourceOp(url: string, o: HttpSourceOptions = {}): SourceOp {
  const attrs: Record<string, string> = {};
  if (o.checksum !== undefined) attrs['http.checksum'] = o.checksum;
  if (o.filename !== undefined && o.filename !== '') attrs['http.filename'] = o.filename;
  if (o.perm !== undefined && o.perm !== 0) attrs['http.perm'] = '0' + (o.perm & 0o777).toString(8);
  if (o.uid !== undefined && o.uid !== 0) attrs['http.uid'] = String(o.uid);
  if (o.gid !== undefined && o.gid !== 0) attrs['http.gid'] = String(o.gid);
  return { kind: 'source', identifier: url, attrs };
}

export interface GitSourceOptions {
  readonly keepGitDir?: boolean;
  /** A commit (or its prefix) the resolved ref must be. */
  readonly checksum?: string;
  readonly skipSubmodules?: boolean;
}

export function gitSourceOp(ref: GitRef, o: GitSourceOptions = {}): SourceOp {
  let id = ref.host + path.posix.join('/', ref.path);
  if (ref.ref !== '' || ref.subdir !== '') id += '#' + ref.ref + (ref.subdir !== '' ? ':' + ref.subdir : '');
  const attrs: Record<string, string> = {
    'git.fullurl': ref.remote,
    'git.authtokensecret': 'GIT_AUTH_TOKEN',
    'git.authheadersecret': 'GIT_AUTH_HEADER',
  };
  if (o.keepGitDir === true) attrs['git.keepgitdir'] = 'true';
  if (o.checksum !== undefined && o.checksum !== '') attrs['git.checksum'] = o.checksum;
  if (o.skipSubmodules === true) attrs['git.skipsubmodules'] = 'true';
  if (ref.scheme === 'ssh') attrs['git.mountsshsock'] = 'default';
  return { kind: 'source', identifier: 'git://' + id, attrs };
}
