/**
 * dockerfile2llb: a Dockerfile -> an LLB Definition plus the image config of the target stage.
 * Base images are resolved here (their config feeds ENV/WORKDIR/USER...), concurrently, and pinned by digest
 * in the source ops so the graph is content-addressed.
 */
import { DockerfileError, withLocation } from '../../../errors.js';
import { GraphBuilder, type Definition } from '../../../llb/definition.js';
import type { OpInput } from '../../../llb/ops.js';
import type { ImageConfig } from '../../../oci/schemas.js';
import { parseDockerfile } from '../parser/index.js';
import { ShellLex, envFromList, ShellExpansionError } from '../shell/index.js';
import { buildProgram } from '../instructions/program.js';
import type { DockerfileProgram, Stage } from '../instructions/types.js';
import { ArgScope, BUILD_PLATFORM, platformArgs } from './build-args.js';
import { dispatch } from './dispatch.js';
import { cloneImage, emptyImage } from './image-state.js';
import { checkCycles, findStage, reachableStages } from './stage-deps.js';
import type { ConvertContext, StageState } from './stage-state.js';

export type ImageResolver = (ref: string) => Promise<{ pinned: string; config: ImageConfig }>;

export interface ConvertOptions {
  readonly dockerfile: string | Buffer;
  /** Name shown in errors, e.g. "Dockerfile". */
  readonly file: string;
  readonly target?: string;
  readonly buildArgs: ReadonlyMap<string, string>;
  /** .dockerignore patterns for the context source. */
  readonly excludePatterns: readonly string[];
  readonly resolveImage: ImageResolver;
  /** RFC 3339 creation time for history entries (BuildKit: build time, or SOURCE_DATE_EPOCH). */
  readonly created?: string;
}

export interface ConvertResult {
  readonly definition: Definition;
  readonly image: ImageConfig;
  readonly program: DockerfileProgram;
}

interface StageResult { output: OpInput | undefined; image: ImageConfig }

const LLB_STEPS = new Set(['run', 'copy', 'add', 'workdir']);

export async function convertDockerfile(opts: ConvertOptions): Promise<ConvertResult> {
  const ast = parseDockerfile(opts.dockerfile, { file: opts.file });
  const program = buildProgram(ast, opts.file);
  const lex = new ShellLex({ escapeToken: ast.escapeToken as '\\' | '`' });
  const graph = new GraphBuilder();

  // Global scope: platform ARGs, then ARGs before the first FROM (build-args override their defaults).
  const globals = new ArgScope(opts.buildArgs);
  for (const [k, v] of platformArgs()) globals.set(k, v);
  for (const cmd of program.metaArgs) {
    for (const a of cmd.args) {
      const value = a.value === undefined ? undefined : expandWith(lex, a.value, envFromList(globals.entries().map(([k, v]) => `${k}=${v}`)), cmd.location);
      globals.declare(a.key, value);
    }
  }
  const globalEnv = envFromList(globals.entries().map(([k, v]) => `${k}=${v}`));
  const expandGlobal = (w: string, loc: Stage['from']['location']): string => expandWith(lex, w, globalEnv, loc);

  const stages = program.stages;
  const refsOf = (s: Stage): Stage[] => {
    const out: Stage[] = [];
    const base = findStage(stages, expandGlobal(s.from.base, s.from.location), s.index);
    if (base) out.push(base);
    for (const c of s.commands) {
      if ((c.kind === 'copy' || c.kind === 'add') && c.from !== undefined) {
        const dep = findStage(stages, expandGlobal(c.from, c.location));
        if (dep) out.push(dep);
      }
    }
    return out;
  };
  checkCycles(stages, refsOf);

  let target = stages[stages.length - 1]!;
  if (opts.target !== undefined && opts.target !== '') {
    const t = stages.find((s) => s.name === opts.target!.toLowerCase());
    if (!t) throw new DockerfileError(`target stage "${opts.target}" could not be found`);
    target = t;
  }
  const needed = reachableStages(target, refsOf);

  let contextInput: OpInput | undefined;
  const images = new Map<string, Promise<{ image: ImageConfig; pinned: string }>>();
  const results = new Map<number, Promise<StageResult>>();

  const ctx: ConvertContext = {
    graph,
    file: opts.file,
    ...(opts.created !== undefined ? { created: opts.created } : {}),
    globalArg: (name) => globals.get(name),
    context() {
      contextInput ??= {
        digest: graph.add(
          { inputs: [], op: { kind: 'source', identifier: 'local://context', attrs: { excludepatterns: JSON.stringify(opts.excludePatterns), sharedkeyhint: 'context' } } },
          { description: '[internal] load build context' },
        ),
        index: 0,
      };
      return contextInput;
    },
    async stageOutput(name, before) {
      const s = findStage(stages, name, before === Number.POSITIVE_INFINITY ? undefined : before);
      return s ? convertStage(s) : undefined;
    },
    image(ref) {
      let p = images.get(ref);
      if (!p) {
        p = opts.resolveImage(ref).then(({ pinned, config }) => ({ pinned, image: config }));
        images.set(ref, p);
      }
      return p;
    },
    imageOp(pinned, description, location) {
      return {
        digest: graph.add({ inputs: [], platform: BUILD_PLATFORM, op: { kind: 'source', identifier: `docker-image://${pinned}`, attrs: {} } },
          { description, ...(location ? { location } : {}) }),
        index: 0,
      };
    },
  };

  // Resolve every base image the needed stages use, concurrently, before dispatching anything.
  for (const s of stages) {
    if (!needed.has(s.index)) continue;
    const base = expandGlobal(s.from.base, s.from.location);
    if (base !== 'scratch' && !findStage(stages, base, s.index)) ctx.image(base).catch(() => undefined);
  }

  const convertStage = (s: Stage): Promise<StageResult> => {
    let p = results.get(s.index);
    if (!p) {
      p = convertOne(s);
      results.set(s.index, p);
    }
    return p;
  };

  const convertOne = async (s: Stage): Promise<StageResult> => {
    const base = expandGlobal(s.from.base, s.from.location);
    if (base === '') throw new DockerfileError('base name (FROM) should not be blank', { location: s.from.location });
    const total = 1 + s.commands.filter((c) => LLB_STEPS.has(c.kind)).length;
    const prefix = stages.length === 1 ? '' : `${s.name ?? `stage-${s.index}`} `;
    let output: OpInput | undefined;
    let image: ImageConfig;
    const baseStage = findStage(stages, base, s.index);
    if (base.toLowerCase() === 'scratch') {
      image = emptyImage(BUILD_PLATFORM);
    } else if (baseStage) {
      const r = await convertStage(baseStage);
      output = r.output;
      image = cloneImage(r.image);
    } else {
      let resolved;
      try {
        resolved = await ctx.image(base);
      } catch (e) {
        throw withLocation(e, s.from.location);
      }
      image = cloneImage(resolved.image);
      // The FROM vertex is shown with its step number, like BuildKit's "[stage 1/3] FROM ref@digest".
      output = ctx.imageOp(resolved.pinned, `[${prefix}1/${total}] FROM ${resolved.pinned}`, s.from.location);
    }
    const st: StageState = { prefix, total, step: 1, output, image, args: new ArgScope(opts.buildArgs), cmdSet: false, lex };
    for (const cmd of s.commands) await dispatch(ctx, st, cmd);
    return { output: st.output, image: st.image };
  };

  const result = await convertStage(target);
  return { definition: graph.build(result.output), image: result.image, program };
}

function expandWith(lex: ShellLex, word: string, env: ReturnType<typeof envFromList>, location: Stage['from']['location']): string {
  try {
    return lex.processWord(word, env);
  } catch (e) {
    if (e instanceof ShellExpansionError) throw new DockerfileError(e.message, { location });
    throw e;
  }
}
