/**
 * ADD of a URL or a git ref: the source op and the path the copy reads come from helper REMOTE's
 * `remoteSource(ctx, src, opts)` (remote-source.ts). This seam keeps dispatch-copy.ts independent of how remote
 * sources are made.
 */
import type { SourceLocation } from '../../../errors.js';
import type { OpInput } from '../../../llb/ops.js';
import { remoteSource } from './remote-source.js';
import type { ConvertContext } from './stage-state.js';

export interface RemoteInput { input: OpInput; kind: 'http' | 'git'; path: string }

export function addRemoteSource(ctx: ConvertContext, src: string, opts: { checksum?: string; keepGitDir: boolean; location: SourceLocation }): RemoteInput | undefined {
  return remoteSource(ctx, src, opts);
}
