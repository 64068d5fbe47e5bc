/** The state of one stage while its instructions are dispatched. */
import type { SourceLocation } from '../../../errors.js';
import type { GraphBuilder } from '../../../llb/definition.js';
import type { OpInput } from '../../../llb/ops.js';
import type { ImageConfig } from '../../../oci/schemas.js';
import type { ShellLex } from '../shell/index.js';
import type { ArgScope } from './build-args.js';

export interface StageState {
  /** Display prefix, e.g. "stage-1 " or "builder " or "" for a single-stage Dockerfile. */
  readonly prefix: string;
  /** Number of steps that make vertices (FROM, RUN, COPY, ADD, WORKDIR), for "[2/5]". */
  readonly total: number;
  step: number;
  /** Current LLB output; undefined = scratch. */
  output: OpInput | undefined;
  image: ImageConfig;
  args: ArgScope;
  /** CMD was set in this stage (an ENTRYPOINT then keeps it). */
  cmdSet: boolean;
  readonly lex: ShellLex;
}

export interface ConvertContext {
  readonly graph: GraphBuilder;
  readonly file: string;
  /** The shared `local://context` source op. */
  context(): OpInput;
  /** Output of another stage (converted on demand). */
  stageOutput(name: string, before: number): Promise<{ output: OpInput | undefined; image: ImageConfig } | undefined>;
  /** An image by reference, resolved once: its digest-pinned reference and config. */
  image(ref: string): Promise<{ image: ImageConfig; pinned: string }>;
  /** The source op of a pinned image (identical ops are one vertex; the first description and location win). */
  imageOp(pinned: string, description: string, location?: SourceLocation): OpInput;
  readonly created?: string;
  /** Value of a global (pre-FROM) ARG, for `ARG NAME` re-declared in a stage. */
  globalArg(name: string): string | undefined;
}
