/**
 * BuildKit's build checks (frontend/dockerfile/linter/ruleset.go): names, descriptions, documentation URLs and
 * the exact message each rule prints. Experimental rules run only when `experimental=` names them.
 */
export interface LintRule<A extends unknown[]> {
  readonly name: string;
  readonly description: string;
  readonly url?: string;
  readonly experimental?: boolean;
  readonly format: (...args: A) => string;
}

const url = (slug: string): string => `https://docs.docker.com/go/dockerfile/rule/${slug}/`;
const goQ = (s: string): string => JSON.stringify(s);

export const RULES = {
  StageNameCasing: {
    name: 'StageNameCasing', description: 'Stage names should be lowercase', url: url('stage-name-casing'),
    format: (stage: string) => `Stage name '${stage}' should be lowercase`,
  },
  FromAsCasing: {
    name: 'FromAsCasing', description: "The 'as' keyword should match the case of the 'from' keyword", url: url('from-as-casing'),
    format: (from: string, as: string) => `'${as}' and '${from}' keywords' casing do not match`,
  },
  NoEmptyContinuation: {
    name: 'NoEmptyContinuation', description: 'Empty continuation lines will become errors in a future release', url: url('no-empty-continuation'),
    format: () => 'Empty continuation line',
  },
  ConsistentInstructionCasing: {
    name: 'ConsistentInstructionCasing', description: 'All commands within the Dockerfile should use the same casing (either upper or lower)',
    url: url('consistent-instruction-casing'),
    format: (cmd: string, casing: string) => `Command '${cmd}' should match the case of the command majority (${casing})`,
  },
  DuplicateStageName: {
    name: 'DuplicateStageName', description: 'Stage names should be unique', url: url('duplicate-stage-name'),
    format: (stage: string) => `Duplicate stage name ${goQ(stage)}, stage names should be unique`,
  },
  ReservedStageName: {
    name: 'ReservedStageName', description: 'Reserved words should not be used as stage names', url: url('reserved-stage-name'),
    format: (stage: string) => `Stage name should not use the same name as reserved stage ${goQ(stage)}`,
  },
  JSONArgsRecommended: {
    name: 'JSONArgsRecommended', description: 'JSON arguments recommended for ENTRYPOINT/CMD to prevent unintended behavior related to OS signals',
    url: url('json-args-recommended'),
    format: (instruction: string) => `JSON arguments recommended for ${instruction} to prevent unintended behavior related to OS signals`,
  },
  MaintainerDeprecated: {
    name: 'MaintainerDeprecated', description: 'The MAINTAINER instruction is deprecated, use a label instead to define an image author',
    url: url('maintainer-deprecated'),
    format: () => 'Maintainer instruction is deprecated in favor of using label',
  },
  UndefinedArgInFrom: {
    name: 'UndefinedArgInFrom', description: 'FROM command must use declared ARGs', url: url('undefined-arg-in-from'),
    format: (arg: string, suggest?: string) => `FROM argument '${arg}' is not declared${suggest ? ` (did you mean ${suggest}?)` : ''}`,
  },
  WorkdirRelativePath: {
    name: 'WorkdirRelativePath',
    description: 'Relative workdir without an absolute workdir declared within the build can have unexpected results if the base image changes',
    url: url('workdir-relative-path'),
    format: (workdir: string) => `Relative workdir ${goQ(workdir)} can have unexpected results if the base image changes`,
  },
  UndefinedVar: {
    name: 'UndefinedVar', description: 'Variables should be defined before their use', url: url('undefined-var'),
    format: (v: string, suggest?: string) => `Usage of undefined variable '$${v}'${suggest ? ` (did you mean $${suggest}?)` : ''}`,
  },
  MultipleInstructionsDisallowed: {
    name: 'MultipleInstructionsDisallowed', description: 'Multiple instructions of the same type should not be used in the same stage',
    url: url('multiple-instructions-disallowed'),
    format: (instruction: string) => `Multiple ${instruction} instructions should not be used in the same stage because only the last one will be used`,
  },
  LegacyKeyValueFormat: {
    name: 'LegacyKeyValueFormat', description: 'Legacy key/value format with whitespace separator should not be used', url: url('legacy-key-value-format'),
    format: (cmd: string) => `"${cmd} key=value" should be used instead of legacy "${cmd} key value" format`,
  },
  InvalidBaseImagePlatform: {
    name: 'InvalidBaseImagePlatform', description: 'Base image platform does not match expected target platform',
    format: (image: string, expected: string, actual: string) => `Base image ${image} was pulled with platform ${goQ(actual)}, expected ${goQ(expected)} for current build`,
  },
  RedundantTargetPlatform: {
    name: 'RedundantTargetPlatform', description: 'Setting platform to predefined $TARGETPLATFORM in FROM is redundant as this is the default behavior',
    url: url('redundant-target-platform'),
    format: (v: string) => `Setting platform to predefined ${v} in FROM is redundant as this is the default behavior`,
  },
  SecretsUsedInArgOrEnv: {
    name: 'SecretsUsedInArgOrEnv', description: 'Sensitive data should not be used in the ARG or ENV commands', url: url('secrets-used-in-arg-or-env'),
    format: (instruction: string, key: string) => `Do not use ARG or ENV instructions for sensitive data (${instruction} ${goQ(key)})`,
  },
  InvalidDefaultArgInFrom: {
    name: 'InvalidDefaultArgInFrom', description: 'Default value for global ARG results in an empty or invalid base image name',
    url: url('invalid-default-arg-in-from'),
    format: (base: string) => `Default value for ARG ${base} results in empty or invalid base image name`,
  },
  FromPlatformFlagConstDisallowed: {
    name: 'FromPlatformFlagConstDisallowed', description: 'FROM --platform flag should not use a constant value',
    url: url('from-platform-flag-const-disallowed'),
    format: (platform: string) => `FROM --platform flag should not use constant value ${goQ(platform)}`,
  },
  CopyIgnoredFile: {
    name: 'CopyIgnoredFile', description: 'Attempting to Copy file that is excluded by .dockerignore', url: url('copy-ignored-file'), experimental: true,
    format: (cmd: string, file: string) => `Attempting to ${cmd} file ${goQ(file)} that is excluded by .dockerignore`,
  },
  ExposeProtoCasing: {
    name: 'ExposeProtoCasing', description: 'Protocol in EXPOSE instruction should be lowercase', url: url('expose-proto-casing'),
    format: (port: string) => `Defined protocol '${port}' in EXPOSE instruction should be lowercase`,
  },
  ExposeInvalidFormat: {
    name: 'ExposeInvalidFormat',
    description: 'IP address and host-port mapping should not be used in EXPOSE instruction. This will become an error in a future release',
    url: url('expose-invalid-format'),
    format: (port: string) => `EXPOSE instruction should not define an IP address or host-port mapping, found '${port}'`,
  },
} satisfies Record<string, LintRule<never[]>>;

export type RuleName = keyof typeof RULES;
