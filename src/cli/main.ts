/**
 * The buildctl command line: `build` (alias `b`), `debug dump-llb`, --help, --version, and buildkitd's flags
 * as global flags (buildctl-daemonless.sh passes BUILDKITD_FLAGS here). yargs only splits argv; every value
 * is then checked once with TypeBox (schemas.ts) and parsed into typed requests before a handler runs.
 * Exit codes: 0 ok, 1 any error (usage errors print one line, no help dump), 130/143 after SIGINT/SIGTERM.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import yargs, { type Argv } from 'yargs';
import { BuildError } from '../errors.js';
import { suggest } from './suggest.js';
import { loadBuildModule, type CommandIO } from './io.js';
import { formatError } from './report-error.js';
import { CanceledError } from './signals.js';
import { cliStderr } from './stderr.js';

const GLOBAL_FLAGS = {
  debug: { type: 'boolean', describe: 'Print stacks with errors' },
  root: { type: 'string', describe: 'Persistent state directory (default: an ephemeral one, removed after the build)' },
  config: { type: 'string', describe: 'buildkitd config file (buildkitd.toml)' },
  'oci-worker-snapshotter': { type: 'string', describe: 'Snapshotter: auto, overlayfs, native' },
  'oci-worker-no-process-sandbox': { type: 'boolean', describe: 'Do not give RUN steps their own PID namespace' },
  'oci-worker-net': { type: 'string', describe: 'RUN network: auto, host, slirp4netns (rootless: isolate the whole build)' },
  'oci-worker-gc': { type: 'boolean', describe: 'GC the --root state dir at the end of a build (default true; needs a budget)' },
  'oci-worker-gc-keepstorage': { type: 'string', describe: 'GC budget for the whole --root state dir: MB, or with a unit (10GB)' },
} as const;

const SOURCE_FLAGS = {
  frontend: { type: 'string', describe: 'Frontend (only dockerfile.v0)' },
  local: { type: 'string', describe: 'Local directory, NAME=DIR (repeatable)' },
  'oci-layout': { type: 'string', describe: 'OCI image layout directory, NAME=DIR, for --opt context:X=oci-layout://NAME (repeatable)' },
  opt: { type: 'string', describe: 'Frontend option, KEY=VALUE (repeatable): filename, target, build-arg:NAME, context:NAME, call=check' },
  progress: { type: 'string', describe: 'Progress output: auto, plain, tty, rawjson, quiet' },
} as const;

const BUILD_FLAGS = {
  ...SOURCE_FLAGS,
  output: { type: 'string', alias: 'o', describe: 'Output, CSV: type=local,dest=DIR | type=tar|oci|docker,dest=FILE|- | type=image,name=REF,push=true' },
  'no-cache': { type: 'boolean', describe: 'Do not use the cache' },
  'metadata-file': { type: 'string', describe: 'Write the build result metadata (JSON) to this file' },
  'export-cache': { type: 'string', describe: 'Export the build cache, e.g. type=registry,ref=REF,mode=max (repeatable)' },
  'import-cache': { type: 'string', describe: 'Import a build cache, e.g. type=registry,ref=REF (repeatable)' },
  secret: { type: 'string', describe: 'Secret for RUN --mount=type=secret: id=ID,src=FILE | id=ID,env=VAR (repeatable)' },
  ssh: { type: 'string', describe: 'SSH agent socket or keys: default | ID=PATH[,PATH] (repeatable)' },
  allow: { type: 'string', describe: 'Allow an entitlement: network.host, security.insecure (repeatable)' },
} as const;

const DU_FLAGS = {
  verbose: { type: 'boolean', alias: 'v', describe: 'Show a block of details per record' },
  filter: { type: 'string', alias: 'f', describe: 'Filter records: KEY==VALUE, KEY!=VALUE, KEY~=REGEX (repeatable)' },
} as const;

const PRUNE_FLAGS = {
  ...DU_FLAGS,
  all: { type: 'boolean', describe: 'Include internal records (context checksum memos)' },
  'keep-duration': { type: 'string', describe: 'Keep records used within this duration (e.g. 48h)' },
  'keep-storage': { type: 'string', describe: 'Keep the state dir under this size on disk (MB, or with a unit: 10GB)' },
} as const;

const COMMANDS = ['build', 'b', 'debug', 'dump-llb', 'doctor', 'du', 'prune'];
const FLAG_NAMES = [...Object.keys(GLOBAL_FLAGS), ...Object.keys(BUILD_FLAGS), ...Object.keys(PRUNE_FLAGS), 'help', 'version'];

/** Set by scripts/bundle.mjs in the bundled CLI (dist/buildctl.mjs), where package.json is not beside us. */
declare const __BUILDCTL_PKG__: { name?: string; version?: string } | undefined;

function version(): string {
  const pkg = typeof __BUILDCTL_PKG__ !== 'undefined' ? __BUILDCTL_PKG__
    : JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { name?: string; version?: string };
  return `buildctl ${pkg.name ?? 'buildctl'} v${pkg.version ?? '0.0.0'}`;
}

export async function main(args: readonly string[], deps: Partial<CommandIO> = {}): Promise<number> {
  const io: CommandIO = {
    cwd: process.cwd(), env: process.env, stdout: process.stdout, stderr: cliStderr(),
    loadBuild: loadBuildModule, signals: process, exit: (code) => process.exit(code), ...deps,
  };
  // yargs renders the whole help text whenever a command runs (to have it for failures, which we report
  // ourselves): with every flag laid out that took ~25 ms of a cached build's start. Flags are listed only when
  // help is asked for, and runCommand dispatches once parsing and validation are done.
  const hidden = !wantsHelp(args);
  const shown = <T extends object>(flags: T): T =>
    Object.fromEntries(Object.entries(flags).map(([k, v]) => [k, { ...v, hidden }])) as T;
  const cli: Argv = yargs([...args])
    .scriptName('buildctl')
    .usage('$0 [global flags] <command> [flags]\n\nBuild a Dockerfile without a daemon, like BuildKit\'s buildctl.')
    .parserConfiguration({
      'boolean-negation': false, 'camel-case-expansion': false, 'dot-notation': false, 'parse-numbers': false,
      'parse-positional-numbers': false, 'duplicate-arguments-array': true,
    })
    .options(Object.fromEntries(Object.entries(GLOBAL_FLAGS).map(([k, v]) => [k, { ...v, global: true, group: 'Global flags:', hidden }])))
    .command(['build', 'b'], 'Build a Dockerfile', (y) => y.options(shown(BUILD_FLAGS)))
    .command('debug', 'Debug commands', (y) => y
      .command('dump-llb', 'Print the LLB graph for these flags, one JSON object per line', (d) => d.options(shown(SOURCE_FLAGS)))
      .demandCommand(1, 'debug needs a subcommand: dump-llb'))
    .command('doctor', 'Check this machine for builds in the default mode (rootless: rootlesskit, subuid, overlay, /proc)', (y) => y)
    .command('du', 'Disk usage of the --root state dir', (y) => y.options(shown(DU_FLAGS)))
    .command('prune', 'Remove cache records from the --root state dir', (y) => y.options(shown(PRUNE_FLAGS)))
    .demandCommand(1, 'a command is required: build, du, prune, doctor or debug dump-llb (see buildctl --help)')
    .strict()
    .help().alias('h', 'help')
    .version(version())
    .fail(false)
    .exitProcess(false)
    .wrap(Math.min(110, process.stdout.columns ?? 80));
  let argv: Awaited<ReturnType<Argv['parseAsync']>>;
  try {
    argv = await cli.parseAsync();
  } catch (e) {
    io.stderr.write(e instanceof Error && !(e instanceof BuildError) ? `error: ${usageMessage(e.message, args)}\n` : formatError(e, false));
    return 1;
  }
  if (argv['help'] === true || argv['version'] === true) return 0; // yargs printed it
  try {
    return await runCommand(argv, io);
  } catch (e) {
    io.stderr.write(formatError(e, args.includes('--debug') || args.includes('--debug=true')));
    return e instanceof CanceledError ? e.exitCode : 1;
  }
}

/** Run the command yargs parsed. Command modules load on use: --help, --version and usage errors skip them. */
async function runCommand(argv: { _: (string | number)[] }, io: CommandIO): Promise<number> {
  const [cmd, sub] = argv._.map(String);
  switch (cmd) {
    case 'build':
    case 'b':
      return (await import('./build-command.js')).buildCommand(argv, io);
    case 'debug':
      if (sub !== 'dump-llb') throw new Error(`unknown debug command ${sub ?? ''}`);
      return (await import('./dump-llb-command.js')).dumpLlbCommand(argv, io);
    case 'doctor':
      return (await import('./doctor-command.js')).doctorCommand(argv, io);
    case 'du':
      return (await import('./du-command.js')).duCommand(argv, io);
    case 'prune':
      return (await import('./prune-command.js')).pruneCommand(argv, io);
    default:
      throw new Error(`unknown command ${cmd ?? ''}`);
  }
}

/** True when the arguments ask for help (the only output that lists the flags). */
function wantsHelp(args: readonly string[]): boolean {
  return args.some((a) => a === '--help' || a === '-h' || a.startsWith('--help='));
}

/** yargs' message as one line; unknown flags and commands get a did-you-mean. */
function usageMessage(message: string, args: readonly string[]): string {
  const unknown = /^Unknown arguments?: (.*)$/.exec(message);
  if (unknown === null) return message.split('\n')[0] ?? message;
  return unknown[1]!.split(', ').map((name) => {
    const isFlag = args.some((a) => a === `--${name}` || a.startsWith(`--${name}=`) || a === `-${name}`);
    if (isFlag) {
      const guess = suggest(name, FLAG_NAMES);
      return `unknown flag --${name}${guess !== undefined ? ` (did you mean --${guess}?)` : ''}`;
    }
    // A command name in another place (`build b`: a CSV value split by the shell) is an extra argument.
    if (COMMANDS.includes(name)) return `unexpected argument "${name}"`;
    const guess = suggest(name, COMMANDS);
    return `unknown command or argument "${name}"${guess !== undefined ? ` (did you mean "${guess}"?)` : ''}`;
  }).join('; ');
}

/** The bin entry: run, let stdout/stderr drain (a tar stream may still be in a pipe), exit with the code. */
export async function run(): Promise<void> {
  const code = await main(process.argv.slice(2));
  await Promise.all([process.stdout, process.stderr, cliStderr()].map((s) => new Promise<void>((resolve) => s.write('', () => resolve()))));
  process.exit(code);
}

// Run when executed directly (`node dist/src/cli/main.js`); bin/buildctl and the bundle's loader
// (dist/buildctl.mjs) call run() themselves. No top-level await: the bundle is CommonJS (scripts/bundle.mjs).
if (process.argv[1] !== undefined && isEntryPoint(process.argv[1])) void run();

function isEntryPoint(argv1: string): boolean {
  try {
    return pathToFileURL(realpathSync(argv1)).href === import.meta.url;
  } catch {
    return false;
  }
}
