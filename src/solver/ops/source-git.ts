/**
 * `git://HOST/PATH#ref:subdir` sources (BuildKit's source/git): the checkout of one commit as a one-layer
 * snapshot. The cache key is pinned to the commit the ref resolves to (ls-remote against the remote, unless the
 * ref is a full commit sha), with keepGitDir and subdir, as BuildKit's shaToCacheKey; the fetch and checkout
 * happen only when the vertex runs.
 */
import type { Canonical } from '../../llb/canonical.js';
import type { SourceOp } from '../../llb/ops.js';
import { FileOpError, withLocation } from '../../errors.js';
import { redact } from '../../progress/redact.js';
import { checkout } from '../../remote/git-checkout.js';
import { cleanSubdir } from '../../remote/git-ref.js';
import { fetchCommit, resolveRef, withBareRepo, type ResolvedRef } from '../../remote/git-repo.js';
import type { OpContext, OpImpl } from '../op-impl.js';
import type { Result } from '../result.js';
import type { Worker } from '../worker.js';
import { layerIdFor } from './new-layer.js';

export interface GitSource {
  readonly remote: string;
  readonly ref: string;
  readonly subdir: string;
  readonly keepGitDir: boolean;
  readonly checksum?: string;
  readonly submodules: boolean;
}

/** BuildKit's NewGitIdentifier + attrs: ref and subdir from the fragment, the remote from git.fullurl. */
export function parseGitSource(op: SourceOp): GitSource {
  const rest = op.identifier.slice('git://'.length);
  const hash = rest.indexOf('#');
  const fragment = hash < 0 ? '' : rest.slice(hash + 1);
  const colon = fragment.indexOf(':');
  const full = op.attrs['git.fullurl'];
  const checksum = op.attrs['git.checksum'];
  return {
    remote: full !== undefined && full !== '' ? (/^[a-z0-9]+:\/\//i.test(full) || /^[\w-]+@[\w.-]+:/.test(full) ? full : 'https://' + full) : 'https://' + (hash < 0 ? rest : rest.slice(0, hash)),
    ref: colon < 0 ? fragment : fragment.slice(0, colon),
    subdir: cleanSubdir(colon < 0 ? '' : fragment.slice(colon + 1)),
    keepGitDir: op.attrs['git.keepgitdir'] === 'true',
    submodules: op.attrs['git.skipsubmodules'] !== 'true',
    ...(checksum !== undefined && checksum !== '' ? { checksum } : {}),
  };
}

const resolutions = new WeakMap<Worker, Map<string, Promise<ResolvedRef>>>();

/** The ref's commit, resolved once per build for each source op. */
function resolved(ctx: Pick<OpContext, 'worker' | 'digest' | 'signal'>, src: GitSource): Promise<ResolvedRef> {
  let m = resolutions.get(ctx.worker);
  if (!m) resolutions.set(ctx.worker, (m = new Map()));
  let p = m.get(ctx.digest);
  if (!p) {
    p = withBareRepo({ stateRoot: ctx.worker.state.root, remote: src.remote, signal: ctx.signal }, (repo) => resolveRef(repo, src.ref))
      .then((r) => { checkChecksum(src, r); return r; });
    m.set(ctx.digest, p);
    const mm = m;
    p.catch(() => mm.delete(ctx.digest));
  }
  return p;
}

function checkChecksum(src: GitSource, r: ResolvedRef): void {
  if (src.checksum === undefined) return;
  if (r.sha.startsWith(src.checksum) || r.commit.startsWith(src.checksum)) return;
  throw new FileOpError(`git checksum mismatch for ${redact(src.remote)}#${r.ref}: expected ${src.checksum}, got ${r.commit}`);
}

export const gitSourceImpl: OpImpl = {
  cacheable: true,

  async contentKey(ctx): Promise<Canonical> {
    const op = ctx.op.op;
    if (op.kind !== 'source') throw new Error('gitSourceImpl on a non-source op');
    const src = parseGitSource(op);
    // ls-remote happens here, before any vertex runs: the error names the ADD line itself.
    const r = await resolved(ctx, src).catch((e: unknown) => { throw withLocation(e, ctx.meta.location); });
    return { commit: r.sha, keepGitDir: src.keepGitDir, subdir: src.subdir, submodules: src.submodules };
  },

  async exec(ctx: OpContext): Promise<Result[]> {
    const op = ctx.op.op;
    if (op.kind !== 'source') throw new Error('gitSourceImpl on a non-source op');
    const src = parseGitSource(op);
    const r = await resolved(ctx, src);
    const { worker } = ctx;
    ctx.progress.status(`fetch ${redact(src.remote)} ${r.sha}`);
    const pending = await worker.layers.create();
    try {
      await withBareRepo({ stateRoot: worker.state.root, remote: src.remote, signal: ctx.signal }, async (repo) => {
        await fetchCommit(repo, r);
        await checkout({
          repo, sha: r.sha, dest: pending.diff, tmp: worker.state.tmp,
          subdir: src.subdir, keepGitDir: src.keepGitDir, submodules: src.submodules,
        });
      });
      const layer = await worker.layers.commit(pending, layerIdFor(ctx.cacheKey, 0), { empty: false });
      return [{ kind: 'snapshot', layers: [layer] }];
    } catch (e) {
      await worker.layers.discard(pending);
      throw e;
    }
  },
};
