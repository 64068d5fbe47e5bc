/**
 * ADD of a URL or a git ref. The source op and its reading path come from helper REMOTE's
 * `remoteSource(ctx, src, opts)` in remote-source.ts (issue 4 contract: `{ input, kind, path } | undefined`).
 * Until that module lands this seam keeps the "not supported yet" error, so dispatch-copy.ts needs no change:
 * replace the body below with `return remoteSource(ctx, src, opts);` (import from './remote-source.js').
 */
import { DockerfileError, type SourceLocation } from '../../../errors.js';
import type { OpInput } from '../../../llb/ops.js';
import { isGitSource, isHttpSource } from './copy-sources.js';
import type { ConvertContext } from './stage-state.js';

export interface RemoteInput { input: OpInput; kind: 'http' | 'git'; path: string }

export function addRemoteSource(_ctx: ConvertContext, src: string, opts: { checksum?: string; keepGitDir: boolean; location: SourceLocation }): RemoteInput | undefined {
  if (!isHttpSource(src) && !isGitSource(src)) return undefined;
  throw new DockerfileError(`ADD from ${isGitSource(src) ? 'a git repository' : 'a URL'} is not supported yet`, { location: opts.location });
}
