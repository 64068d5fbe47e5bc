/**
 * One stage -> LLB: its base (scratch, another stage, an image, or a named context), the ONBUILD triggers the
 * base carries, then its instructions. Each stage is converted once (a Map of promises), on demand.
 */
import { DockerfileError, withLocation } from '../../../errors.js';
import type { OpInput } from '../../../llb/ops.js';
import type { ImageConfig } from '../../../oci/schemas.js';
import type { Stage, StageCommand } from '../instructions/types.js';
import { RULES } from '../lint/rules.js';
import type { EnvLookup, ShellLex } from '../shell/index.js';
import { ArgScope, BUILD_PLATFORM } from './build-args.js';
import { dispatch } from './dispatch.js';
import { checkPlatformFlag } from './from-checks.js';
import { cloneImage, DEFAULT_PATH_ENV, emptyImage, getEnv } from './image-state.js';
import { findNamedContext, namedContextError, type NamedContextSpec } from './named-context.js';
import { parseTriggers } from './onbuild.js';
import { checkFromPlatform, formatPlatform } from './platform.js';
import { findStage } from './stage-deps.js';
import { stepLabeler, type ConvertContext, type StageState } from './stage-state.js';
import type { OciLayoutResolver } from './convert.js';

export interface StageResult { output: OpInput | undefined; image: ImageConfig; args: ArgScope }

const LLB_STEPS = new Set(['run', 'copy', 'add', 'workdir']);

export class StageConverter {
  private readonly results = new Map<number, Promise<StageResult>>();
  private readonly namedResults = new Map<string, Promise<StageResult>>();

  constructor(private readonly o: {
    ctx: ConvertContext;
    stages: readonly Stage[];
    lex: ShellLex;
    named: ReadonlyMap<string, NamedContextSpec>;
    expandGlobal: (w: string, loc: Stage['from']['location']) => string;
    globalEnv: EnvLookup;
    /** COPY --from image references (BuildKit counts them as stages when naming vertices). */
    unregisteredImages: number;
    resolveOciLayout?: OciLayoutResolver;
  }) {}

  convert(s: Stage): Promise<StageResult> {
    let p = this.results.get(s.index);
    if (!p) {
      p = this.convertOne(s);
      this.results.set(s.index, p);
    }
    return p;
  }

  private async convertOne(s: Stage): Promise<StageResult> {
    const { ctx, stages } = this.o;
    // A named context with the stage's name replaces the whole stage.
    const replaced = s.name !== undefined ? findNamedContext(this.o.named, s.name) : undefined;
    if (replaced) return this.loadNamed(s.name!, replaced, 'from');

    const base = this.o.expandGlobal(s.from.base, s.from.location);
    if (base === '') throw new DockerfileError(`base name (${s.from.base}) should not be blank`, { location: s.from.location });
    if (s.from.platform !== undefined) this.checkPlatform(s);
    const single = stages.length + this.o.unregisteredImages === 1;
    const prefix = single ? '' : `${s.name ?? `stage-${s.index}`} `;
    let total = s.commands.filter((c) => LLB_STEPS.has(c.kind)).length;
    const st: StageState = {
      prefix, total, step: 0, label: () => '', output: undefined, image: emptyImage(BUILD_PLATFORM), args: new ArgScope(ctx.buildArgs),
      cmdSet: false, lex: this.o.lex, onbuild: false, seen: new Map(), workdirSet: false,
    };
    st.label = stepLabeler(st);

    const baseStage = findStage(stages, base, s.index);
    const named = baseStage ? undefined : findNamedContext(this.o.named, base);
    let triggers: readonly string[] = [];
    if (base.toLowerCase() === 'scratch' && !named) {
      // scratch: empty image, no FROM step
    } else if (baseStage) {
      const r = await this.convert(baseStage);
      st.output = r.output;
      st.image = cloneImage(r.image);
      st.args = r.args.clone();
      triggers = st.image.config?.OnBuild ?? [];
      if (st.image.config) delete st.image.config.OnBuild;
    } else if (named) {
      const r = await this.loadNamed(base, named, 'from');
      st.output = r.output;
      st.image = cloneImage(r.image);
      total += 1;
    } else {
      let resolved;
      try {
        resolved = await ctx.image(base);
      } catch (e) {
        throw withLocation(e, s.from.location);
      }
      st.image = cloneImage(resolved.image);
      delete st.image.created;
      this.checkBasePlatform(s, base, st.image);
      st.total = total + 1;
      // The FROM vertex is shown with its step number, like BuildKit's "[stage 1/3] FROM ref@digest".
      st.output = ctx.imageOp(resolved.pinned, st.label(`FROM ${resolved.pinned}`), s.from.location);
      total += 1;
      triggers = st.image.config?.OnBuild ?? [];
      if (triggers.length > 0) delete st.image.config!.OnBuild;
    }
    const cfg = (st.image.config ??= {});
    if (getEnv(cfg.Env ?? [], 'PATH') === undefined) cfg.Env = [...(cfg.Env ?? []), DEFAULT_PATH_ENV];

    const triggerCmds = parseTriggers(triggers, { file: ctx.file, from: s.from.location });
    st.total = total + triggerCmds.length;
    st.onbuild = true;
    for (const cmd of triggerCmds) await this.dispatchOne(st, cmd);
    st.onbuild = false;
    for (const cmd of s.commands) await this.dispatchOne(st, cmd);
    return { output: st.output, image: st.image, args: st.args };
  }

  private async dispatchOne(st: StageState, cmd: StageCommand): Promise<void> {
    try {
      await dispatch(this.o.ctx, st, cmd);
    } catch (e) {
      throw withLocation(e, cmd.location);
    }
  }

  private checkPlatform(s: Stage): void {
    const raw = s.from.platform!;
    let m;
    try {
      m = this.o.lex.processWordWithMatches(raw, this.o.globalEnv);
    } catch (e) {
      throw new DockerfileError(`failed to process arguments for platform ${raw}: ${(e as Error).message}`, { location: s.from.location });
    }
    checkPlatformFlag({ lint: this.o.ctx.lint, stage: s, result: m.result, matched: m.matched, unmatched: m.unmatched, targetPlatform: formatPlatform(BUILD_PLATFORM) });
    checkFromPlatform(m.result, s.from.location);
  }

  /** InvalidBaseImagePlatform: the resolved config says another os/architecture than the build's. */
  private checkBasePlatform(s: Stage, base: string, img: ImageConfig): void {
    if (img.os === BUILD_PLATFORM.os && img.architecture === BUILD_PLATFORM.architecture) return;
    const actual = formatPlatform({ os: img.os, architecture: img.architecture, ...(img.variant ? { variant: img.variant } : {}) });
    this.o.ctx.lint.run(RULES.InvalidBaseImagePlatform, { start: s.from.location.line, end: s.from.location.line }, base, formatPlatform(BUILD_PLATFORM), actual);
  }

  /**
   * A named context as a stage: its output and config. `use` = 'from' when a stage builds on it (a local
   * directory is copied into a snapshot then, so RUN can run on it); 'copy' for COPY --from (read in place).
   */
  loadNamed(name: string, spec: NamedContextSpec, use: 'from' | 'copy'): Promise<StageResult> {
    const key = `${use}\0${name}`;
    let p = this.namedResults.get(key);
    if (!p) {
      p = this.loadNamedOnce(name, spec, use);
      this.namedResults.set(key, p);
    }
    return p;
  }

  private async loadNamedOnce(name: string, spec: NamedContextSpec, use: 'from' | 'copy'): Promise<StageResult> {
    const { ctx } = this.o;
    const args = new ArgScope(ctx.buildArgs);
    if (spec.kind === 'docker-image') {
      let r;
      try {
        r = await ctx.image(spec.ref);
      } catch (e) {
        throw namedContextError(name, spec, (e as Error).message);
      }
      const image = cloneImage(r.image);
      delete image.created;
      return { output: ctx.imageOp(r.pinned, `[context ${name}] ${r.pinned}`), image, args };
    }
    if (spec.kind === 'oci-layout') {
      if (!this.o.resolveOciLayout) throw namedContextError(name, spec, 'no --oci-layout stores were given');
      let r;
      try {
        r = await this.o.resolveOciLayout(spec.store, spec.ref);
      } catch (e) {
        throw namedContextError(name, spec, (e as Error).message);
      }
      const output = {
        digest: ctx.graph.add({ inputs: [], platform: BUILD_PLATFORM, op: { kind: 'source', identifier: `oci-layout://${spec.store}@${r.digest}`, attrs: { 'oci.store': spec.store } } },
          { description: `[context ${name}] oci-layout://${spec.store}@${r.digest}` }),
        index: 0,
      };
      const image = cloneImage(r.config);
      delete image.created;
      return { output, image, args };
    }
    const local = {
      digest: ctx.graph.add({ inputs: [], op: { kind: 'source', identifier: `local://${spec.name}`, attrs: { sharedkeyhint: spec.name } } },
        { description: `[context ${name}] load from client` }),
      index: 0,
    };
    if (use === 'copy') return { output: local, image: emptyImage(BUILD_PLATFORM), args };
    const copied = ctx.graph.add({
      inputs: [local],
      op: { kind: 'file', actions: [{ input: -1, secondaryInput: 0, output: 0, action: {
        type: 'copy', src: '/', dest: '/', followSymlinks: true, dirCopyContents: true, createDestPath: true, allowWildcard: false, allowEmptyWildcard: false,
      } }] },
    }, { description: `[context ${name}] copy ${spec.name} into a snapshot` });
    return { output: { digest: copied, index: 0 }, image: emptyImage(BUILD_PLATFORM), args };
  }
}
