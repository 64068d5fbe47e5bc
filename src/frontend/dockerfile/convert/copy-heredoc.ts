/**
 * Heredoc sources of COPY/ADD (`COPY <<EOF /dest`): each body becomes a file named after its delimiter, made by
 * a mkfile (0644) on scratch, which the copy then reads like any source, so --chmod and --chown apply to it.
 * `<<-` strips leading tabs; an unquoted delimiter expands variables in the body with quotes kept
 * (BuildKit's ExpandRaw: SkipProcessQuotes), a quoted one (`<<"EOF"`) leaves it verbatim.
 */
import { Buffer } from 'node:buffer';
import type { OpInput, OpMetadata } from '../../../llb/ops.js';
import { chompHeredocContent, type Heredoc } from '../parser/index.js';
import { ShellLex, type EnvLookup } from '../shell/index.js';
import type { ConvertContext } from './stage-state.js';

/** The heredoc a source word stands for (`<<EOF`, `<<-"EOF"`), matched in order like BuildKit's parseSourcesAndDest. */
export function isHeredocWord(word: string): boolean {
  return /^<<-?/.test(word) && word.replace(/^<<-?/, '').replace(/["']/g, '') !== '';
}

export function heredocBody(h: Heredoc, env: EnvLookup, escapeToken: '\\' | '`'): string {
  const data = h.chomp ? chompHeredocContent(h.content) : h.content;
  if (!h.expand) return data;
  return new ShellLex({ escapeToken, skipProcessQuotes: true }).processWord(data, env);
}

/** A scratch state holding `/<name>` with the body: the copy's source. */
export function heredocInput(ctx: ConvertContext, o: { name: string; data: string; location?: OpMetadata['location'] }): OpInput {
  const action = { type: 'mkfile' as const, path: `/${o.name}`, mode: 0o644, data: Buffer.from(o.data).toString('base64') };
  const digest = ctx.graph.add(
    { inputs: [], op: { kind: 'file', actions: [{ input: -1, secondaryInput: -1, output: 0, action }] } },
    { description: '[internal] preparing inline document', ...(o.location ? { location: o.location } : {}) },
  );
  return { digest, index: 0 };
}
