/**
 * dockerfile2llb: a Dockerfile -> an LLB Definition plus the image config of the target stage, and the build
 * check warnings. Base images are resolved here (their config feeds ENV/WORKDIR/USER...), concurrently, and
 * pinned by digest in the source ops so the graph is content-addressed. Stages not needed for the target are
 * never converted, except in check mode (allStages), where every stage is.
 */
import { parseRunMount } from './run-mount-parse.js';
import { DockerfileError } from '../../../errors.js';
import { GraphBuilder, type Definition } from '../../../llb/definition.js';
import type { OpInput } from '../../../llb/ops.js';
import type { ImageConfig } from '../../../oci/schemas.js';
import { parseDockerfile } from '../parser/index.js';
import { ShellLex, envFromList, ShellExpansionError, type EnvLookup } from '../shell/index.js';
import { buildProgram } from '../instructions/program.js';
import type { DockerfileProgram, Stage } from '../instructions/types.js';
import { Linter, type LintWarning } from '../lint/linter.js';
import { runParseChecks } from '../lint/parse-checks.js';
import { lintConfigFromDirective } from '../lint/config-source.js';
import { ArgScope, BUILD_PLATFORM, platformArgs } from './build-args.js';
import { checkDefaultBase, reportUndefinedFromArgs } from './from-checks.js';
import type { NamedContextSpec } from './named-context.js';
import { findNamedContext } from './named-context.js';
import { checkCycles, findStage, reachableStages } from './stage-deps.js';
import { StageConverter, type StageResult } from './stage-convert.js';
import type { ConvertContext } from './stage-state.js';

export type ImageResolver = (ref: string) => Promise<{ pinned: string; config: ImageConfig }>;
/** An --oci-layout store's image by `[:TAG][@DIGEST]`: the manifest digest and the config. */
export type OciLayoutResolver = (store: string, ref: string) => Promise<{ digest: string; config: ImageConfig }>;

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
  /** `--opt context:NAME=...`, parsed (named-context.ts). */
  readonly namedContexts?: ReadonlyMap<string, NamedContextSpec>;
  readonly resolveOciLayout?: OciLayoutResolver;
  /**
   * The build checks' runner. Default: one configured from the Dockerfile's `# check=` directive. Pass one to
   * keep its warnings when conversion throws, or to configure it from BUILDKIT_DOCKERFILE_CHECK.
   */
  readonly linter?: Linter;
  /** Check mode (`call=check`): convert every stage, whether the target needs it or not. */
  readonly allStages?: boolean;
}

export interface ConvertResult {
  readonly definition: Definition;
  readonly image: ImageConfig;
  readonly program: DockerfileProgram;
  readonly warnings: readonly LintWarning[];
  /** `lint violation found for rules: ...` when the checks are configured with error=true and found something. */
  readonly lintError?: string;
}

export async function convertDockerfile(opts: ConvertOptions): Promise<ConvertResult> {
  const ast = parseDockerfile(opts.dockerfile, { file: opts.file });
  const lint = opts.linter ?? new Linter(lintConfigFromDirective(opts.dockerfile));
  runParseChecks(ast, lint);
  const program = buildProgram(ast, opts.file);
  const lex = new ShellLex({ escapeToken: ast.escapeToken as '\\' | '`' });
  const graph = new GraphBuilder();
  const stages = program.stages;

  let target = stages[stages.length - 1]!;
  if (opts.target !== undefined && opts.target !== '') {
    const t = stages.find((s) => s.name === opts.target!.toLowerCase());
    if (!t) {
      const names = stages.flatMap((s) => (s.name !== undefined ? [s.name] : []));
      const { didYouMean } = await import('../../../util/did-you-mean.js');
      const hint = didYouMean(opts.target, names);
      throw new DockerfileError(`target stage "${opts.target}" could not be found${hint ? ` (did you mean ${hint}?)` : ''}`);
    }
    target = t;
  }

  // Global scope: platform ARGs, then ARGs before the first FROM (build-args override their defaults).
  const globals = metaArgs({ program, lex, buildArgs: opts.buildArgs, targetStage: target.name ?? '' });
  const defaults = metaArgs({ program, lex, buildArgs: new Map(), targetStage: target.name ?? '' });
  const globalEnv = toEnv(globals);
  const knownGlobals = [...new Set([...globals.keys(), ...program.metaArgs.flatMap((c) => c.args.map((a) => a.key))])];
  const expandGlobal = (w: string, loc: Stage['from']['location']): string => expandWith(lex, w, globalEnv, loc);

  for (const s of stages) {
    const m = tryMatches(lex, s.from.base, globalEnv);
    if (m) reportUndefinedFromArgs({ lint, stage: s, unmatched: m.unmatched, known: knownGlobals });
    checkDefaultBase({ lint, stage: s, lex, defaults: toEnv(defaults) });
  }

  const refsOf = (s: Stage): Stage[] => {
    const out: Stage[] = [];
    const base = findStage(stages, expandGlobal(s.from.base, s.from.location), s.index);
    if (base) out.push(base);
    for (const c of s.commands) {
      if ((c.kind === 'copy' || c.kind === 'add') && c.from !== undefined) {
        const dep = findStage(stages, c.from);
        if (dep) out.push(dep);
      }
      // RUN --mount from=STAGE depends on that stage too (a bad mount is reported when the RUN converts).
      if (c.kind === 'run') {
        for (const m of c.mounts) {
          let from: string | undefined;
          try {
            from = parseRunMount(m, (w) => w).from;
          } catch {
            from = undefined;
          }
          const dep = from !== undefined ? findStage(stages, from) : undefined;
          if (dep) out.push(dep);
        }
      }
    }
    return out;
  };
  for (const s of stages) checkCopyFrom(s, lex);
  checkCycles(stages, refsOf);
  const needed = opts.allStages ? new Set(stages.map((s) => s.index)) : reachableStages(target, refsOf);

  let contextInput: OpInput | undefined;
  const images = new Map<string, Promise<{ image: ImageConfig; pinned: string }>>();
  const named = opts.namedContexts ?? new Map<string, NamedContextSpec>();

  const ctx: ConvertContext = {
    graph,
    file: opts.file,
    lint,
    buildArgs: opts.buildArgs,
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
    async stageOutput(name) {
      const s = findStage(stages, name);
      if (s) return converter.convert(s);
      const spec = findNamedContext(named, name);
      return spec ? converter.loadNamed(name, spec, 'copy') : undefined;
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

  const converter = new StageConverter({
    ctx, stages, lex, named, expandGlobal, globalEnv, unregisteredImages: countImageRefs(stages),
    ...(opts.resolveOciLayout ? { resolveOciLayout: opts.resolveOciLayout } : {}),
  });

  // Resolve every base image the needed stages use, concurrently, before dispatching anything.
  for (const s of stages) {
    if (!needed.has(s.index)) continue;
    const base = expandGlobal(s.from.base, s.from.location);
    if (base.toLowerCase() === 'scratch' || findStage(stages, base, s.index)) continue;
    if ((s.name !== undefined && findNamedContext(named, s.name)) || findNamedContext(named, base)) continue;
    ctx.image(base).catch(() => undefined);
  }

  let result: StageResult;
  if (opts.allStages) {
    const all = await Promise.all(stages.map((s) => converter.convert(s)));
    result = all[target.index]!;
  } else {
    result = await converter.convert(target);
  }
  const lintError = lint.error();
  return {
    definition: graph.build(result.output), image: finalImage(result.image), program, warnings: lint.warnings,
    ...(lintError !== undefined ? { lintError } : {}),
  };
}

/** Global ARGs: the predefined ones, then each meta ARG (a build-arg wins over its default, expanded in order). */
function metaArgs(o: { program: DockerfileProgram; lex: ShellLex; buildArgs: ReadonlyMap<string, string>; targetStage: string }): ArgScope {
  const globals = new ArgScope(o.buildArgs);
  for (const [k, v] of platformArgs(BUILD_PLATFORM, o.targetStage)) globals.set(k, v);
  for (const cmd of o.program.metaArgs) {
    for (const a of cmd.args) {
      const value = a.value === undefined || o.buildArgs.has(a.key) ? a.value : expandWith(o.lex, a.value, toEnv(globals), cmd.location);
      globals.declare(a.key, value);
    }
  }
  return globals;
}

const toEnv = (args: ArgScope): EnvLookup => envFromList(args.entries().map(([k, v]) => `${k}=${v}`));

/** The target's config as the exporter gets it: config-only fields BuildKit leaves out when empty are dropped. */
function finalImage(img: ImageConfig): ImageConfig {
  const out = structuredClone(img);
  const cfg = out.config;
  if (cfg) {
    if (!cfg.OnBuild || cfg.OnBuild.length === 0) delete cfg.OnBuild;
    if (cfg.Cmd === null) delete cfg.Cmd;
    if (cfg.Entrypoint === null) delete cfg.Entrypoint;
  }
  return out;
}

/** BuildKit: `COPY --from` is never expanded; a variable in it is an error with a workaround. */
function checkCopyFrom(s: Stage, lex: ShellLex): void {
  for (const c of s.commands) {
    if ((c.kind !== 'copy' && c.kind !== 'add') || c.from === undefined) continue;
    let expanded: string;
    try {
      expanded = lex.processWord(c.from, envFromList([]));
    } catch {
      expanded = '';
    }
    if (expanded !== c.from) {
      throw new DockerfileError('variable expansion is not supported for --from, define a new stage with FROM using ARG from global scope as a workaround', { location: c.location });
    }
  }
}

/** COPY --from=IMAGE adds a dispatch state in BuildKit, so a one-stage Dockerfile with one gets "stage-0" names. */
function countImageRefs(stages: readonly Stage[]): number {
  const refs = new Set<string>();
  for (const s of stages) {
    for (const c of s.commands) {
      if ((c.kind === 'copy' || c.kind === 'add') && c.from !== undefined && !findStage(stages, c.from)) refs.add(c.from);
    }
  }
  return refs.size;
}

function tryMatches(lex: ShellLex, word: string, env: EnvLookup): { unmatched: Set<string> } | undefined {
  try {
    return lex.processWordWithMatches(word, env);
  } catch {
    return undefined;
  }
}

export function expandWith(lex: ShellLex, word: string, env: EnvLookup, location: Stage['from']['location']): string {
  try {
    return lex.processWord(word, env);
  } catch (e) {
    if (e instanceof ShellExpansionError) throw new DockerfileError(e.message, { location });
    throw e;
  }
}
