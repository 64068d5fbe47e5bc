/** The state of one stage while its instructions are dispatched, and what every dispatcher may ask of the conversion. */
import type { SourceLocation } from '../../../errors.js';
import type { GraphBuilder } from '../../../llb/definition.js';
import type { OpInput } from '../../../llb/ops.js';
import type { ImageConfig } from '../../../oci/schemas.js';
import type { Linter } from '../lint/linter.js';
import type { ShellLex } from '../shell/index.js';
import type { ArgScope } from './build-args.js';

export interface StageState {
  /** Display prefix, e.g. "stage-1 " or "builder " or "" for a single-stage Dockerfile. */
  readonly prefix: string;
  /** Steps that make vertices (FROM of an image, RUN, COPY, ADD, WORKDIR, plus ONBUILD triggers), for "[2/5]". */
  total: number;
  /** Steps numbered so far. */
  step: number;
  /**
   * The next step's vertex name, as BuildKit's prefixCommand: "[stage 2/5] TEXT", the number padded to the width
   * of the total ("[ 2/12]"), "ONBUILD " before the text while a trigger runs. Counts the step.
   */
  label(text: string): string;
  /** Current LLB output; undefined = scratch. */
  output: OpInput | undefined;
  image: ImageConfig;
  args: ArgScope;
  /** CMD was set in this stage (an ENTRYPOINT then keeps it). */
  cmdSet: boolean;
  readonly lex: ShellLex;
  /** An ONBUILD trigger is being dispatched (vertex names get "ONBUILD "). */
  onbuild: boolean;
  /** Lint trackers: where CMD/ENTRYPOINT/HEALTHCHECK were last set in this stage, whether WORKDIR was set. */
  readonly seen: Map<string, SourceLocation>;
  workdirSet: boolean;
}

export interface ConvertContext {
  readonly graph: GraphBuilder;
  readonly file: string;
  /** The shared `local://context` source op. */
  context(): OpInput;
  /**
   * Output of another stage (converted on demand) or of a named context (`--opt context:NAME=...`) that
   * replaces a stage or image name; undefined when `name` is neither (then it is an image reference).
   */
  stageOutput(name: string, before: number): Promise<{ output: OpInput | undefined; image: ImageConfig } | undefined>;
  /** An image by reference, resolved once: its digest-pinned reference and config. */
  image(ref: string): Promise<{ image: ImageConfig; pinned: string }>;
  /** The source op of a pinned image (identical ops are one vertex; the first description and location win). */
  imageOp(pinned: string, description: string, location?: SourceLocation): OpInput;
  readonly created?: string;
  /** Value of a global (pre-FROM) ARG, for `ARG NAME` re-declared in a stage. */
  globalArg(name: string): string | undefined;
  /** Build checks: dispatchers report rule violations here. */
  readonly lint: Linter;
  /** --opt build-arg:K=V as given (an ARG's value comes from here when it is declared). */
  readonly buildArgs: ReadonlyMap<string, string>;
}

/** BuildKit's prefixCommand numbering for a stage with `total` steps. */
export function stepLabeler(st: Pick<StageState, 'prefix' | 'total' | 'step' | 'onbuild'>): (text: string) => string {
  return (text) => {
    st.step += 1;
    if (st.total === 0) return text;
    const width = String(st.total).length;
    return `[${st.prefix}${String(st.step).padStart(width)}/${st.total}] ${st.onbuild ? 'ONBUILD ' : ''}${text}`;
  };
}
