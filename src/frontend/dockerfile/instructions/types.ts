/**
 * Typed Dockerfile commands: what the parser's nodes mean, with flags validated in one place (flags.ts).
 * Words are NOT expanded here; expansion needs the stage's environment and happens in the converter.
 */
import type { Heredoc } from '../parser/index.js';
import type { SourceLocation } from '../../../errors.js';

interface Base { readonly location: SourceLocation; readonly original: string }

export interface FromCmd extends Base { readonly kind: 'from'; readonly base: string; readonly stageName?: string; readonly platform?: string }
export interface RunCmd extends Base {
  readonly kind: 'run';
  /** Shell form: one string run through SHELL; exec form: the argv. */
  readonly args: readonly string[];
  readonly prependShell: boolean;
  readonly heredocs: readonly Heredoc[];
  readonly mounts: readonly string[];
  readonly network?: string;
  readonly security?: string;
}
export interface CopyCmd extends Base {
  readonly kind: 'copy' | 'add';
  readonly sources: readonly string[];
  readonly dest: string;
  readonly heredocs: readonly Heredoc[];
  readonly from?: string;
  readonly chown?: string;
  readonly chmod?: string;
  readonly link: boolean;
  readonly parents: boolean;
  readonly excludes: readonly string[];
  readonly checksum?: string;
  readonly keepGitDir: boolean;
}
/** `noDelim`: written in the legacy `KEY value` form (LegacyKeyValueFormat). */
export interface KeyValue { readonly key: string; readonly value: string; readonly noDelim?: boolean }
export interface EnvCmd extends Base { readonly kind: 'env'; readonly pairs: readonly KeyValue[] }
export interface LabelCmd extends Base { readonly kind: 'label'; readonly pairs: readonly KeyValue[] }
export interface ArgCmd extends Base { readonly kind: 'arg'; readonly args: readonly { readonly key: string; readonly value?: string }[] }
export interface WorkdirCmd extends Base { readonly kind: 'workdir'; readonly path: string }
export interface UserCmd extends Base { readonly kind: 'user'; readonly user: string }
export interface CmdCmd extends Base { readonly kind: 'cmd' | 'entrypoint'; readonly args: readonly string[]; readonly prependShell: boolean }
export interface ExposeCmd extends Base { readonly kind: 'expose'; readonly ports: readonly string[] }
export interface ShellCmd extends Base { readonly kind: 'shell'; readonly shell: readonly string[] }
export interface MaintainerCmd extends Base { readonly kind: 'maintainer'; readonly maintainer: string }
export interface VolumeCmd extends Base { readonly kind: 'volume'; readonly volumes: readonly string[] }
export interface StopSignalCmd extends Base { readonly kind: 'stopsignal'; readonly signal: string }
export interface OnbuildCmd extends Base { readonly kind: 'onbuild'; readonly expression: string }
export interface HealthcheckCmd extends Base {
  readonly kind: 'healthcheck';
  /** ["NONE"] or ["CMD", ...] / ["CMD-SHELL", cmd]. */
  readonly test: readonly string[];
  /** Durations in nanoseconds (Go time.Duration); absent = 0. */
  readonly interval?: number; readonly timeout?: number; readonly startPeriod?: number; readonly startInterval?: number; readonly retries?: number;
}

export type StageCommand = RunCmd | CopyCmd | EnvCmd | LabelCmd | ArgCmd | WorkdirCmd | UserCmd | CmdCmd | ExposeCmd | ShellCmd
  | MaintainerCmd | VolumeCmd | StopSignalCmd | OnbuildCmd | HealthcheckCmd;
export type Command = FromCmd | StageCommand;

export interface Stage {
  /** Position among the FROMs, 0-based. */
  readonly index: number;
  readonly name?: string;
  readonly from: FromCmd;
  readonly commands: readonly StageCommand[];
}

export interface DockerfileProgram {
  /** ARGs before the first FROM. */
  readonly metaArgs: readonly ArgCmd[];
  readonly stages: readonly Stage[];
}
