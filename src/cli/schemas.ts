/**
 * The shapes yargs hands us, checked once with TypeBox before any handler runs. yargs gives a string for a
 * flag given once and an array for a flag given more than once, so every flag is "one or many" here;
 * `last` (scalar flags: the last one wins, as with Go's flag package) and `list` normalise them.
 */
import { Type, type Static, type TObject, type TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { FlagError } from '../errors.js';

const OneOrMany = <T extends TSchema>(t: T, expect: string) => Type.Optional(Type.Union([t, Type.Array(t)], { expect }));
const Str = (expect = 'a value') => OneOrMany(Type.String(), expect);
const Bool = () => OneOrMany(Type.Boolean(), 'true or false');
const Choice = (values: readonly string[]) =>
  OneOrMany(Type.Union(values.map((v) => Type.Literal(v))), `one of ${values.join(', ')}`);

export const GlobalArgvSchema = Type.Object({
  debug: Bool(),
  root: Str('a directory'),
  config: Str('a file'),
  'oci-worker-snapshotter': Str('a snapshotter name'),
  'oci-worker-no-process-sandbox': Bool(),
  'oci-worker-net': Str('a network mode'),
  'oci-worker-gc': Bool(),
  'oci-worker-gc-keepstorage': Str('a size (MB, or with a unit: 10GB)'),
});
export type GlobalArgv = Static<typeof GlobalArgvSchema>;

export const PROGRESS_CHOICES = ['auto', 'plain', 'tty', 'rawjson', 'quiet'] as const;

export const BuildArgvSchema = Type.Composite([GlobalArgvSchema, Type.Object({
  frontend: Str('a frontend name'),
  local: Str('NAME=DIR'),
  'oci-layout': Str('NAME=DIR'),
  opt: Str('KEY=VALUE'),
  output: Str('a CSV like type=local,dest=DIR'),
  progress: Choice(PROGRESS_CHOICES),
  'no-cache': Bool(),
  'metadata-file': Str('a file'),
  'export-cache': Str('a CSV like type=registry,ref=REF'),
  'import-cache': Str('a CSV like type=registry,ref=REF'),
  secret: Str('id=ID,src=FILE'),
  ssh: Str('ID[=PATH]'),
  allow: Str('an entitlement'),
})]);
export type BuildArgv = Static<typeof BuildArgvSchema>;

const checks = new WeakMap<TObject, TypeCheck<TObject>>();

/** Returns `argv` typed by `schema`, or throws a FlagError naming the first bad flag. Extra keys (yargs' `_`, `$0`) pass. */
export function checkArgv<T extends TObject>(schema: T, argv: unknown): Static<T> {
  let check = checks.get(schema);
  if (check === undefined) {
    check = TypeCompiler.Compile(schema);
    checks.set(schema, check);
  }
  const first = check.Errors(argv).First();
  if (first === undefined) return argv as Static<T>;
  const flag = first.path.split('/')[1] ?? '';
  const expect = (schema.properties[flag] as { expect?: string } | undefined)?.expect ?? first.message;
  const value = (argv as Record<string, unknown>)[flag];
  throw new FlagError(`invalid --${flag} ${JSON.stringify(Array.isArray(value) ? value.at(-1) : value)}: expected ${expect}`);
}

export function last<T>(v: T | T[] | undefined): T | undefined {
  return Array.isArray(v) ? v.at(-1) : v;
}
export function list<T>(v: T | T[] | undefined): T[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}
