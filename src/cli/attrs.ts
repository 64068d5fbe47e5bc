/**
 * Checks the key=value attributes of one CSV flag (--output, --export-cache, ...) against a TypeBox schema
 * of string values: unknown keys are rejected with a did-you-mean (a silently ignored `mod=max` once cost a
 * BuildKit user their cache), bad values with what was expected. Each schema is compiled once.
 */
import { Type, type TObject, type TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { FlagError } from '../errors.js';
import { suggest } from './suggest.js';

/** A string attribute; `expect` says in words what is accepted (used in error messages). */
export function Attr(pattern: string, expect: string): TSchema {
  return Type.Optional(Type.String({ pattern, expect }));
}
/** Go's strconv.ParseBool spellings, plus "" (BuildKit treats `push` alone as push=true). */
export const BoolAttr = (): TSchema => Attr('^(|1|t|T|TRUE|true|True|0|f|F|FALSE|false|False)$', 'true or false');
export const TextAttr = (what = 'a value'): TSchema => Attr('^[\\s\\S]+$', what);
export const EnumAttr = (values: readonly string[], note = ''): TSchema =>
  Attr(`^(${values.join('|')})$`, `one of ${values.join(', ')}${note}`);

export interface AttrRules {
  readonly schema: TObject;
  /** Key prefixes accepted with any suffix, e.g. "annotation.". */
  readonly prefixes?: readonly string[];
}

const compiled = new WeakMap<TObject, TypeCheck<TObject>>();

/** Throws FlagError for the first unknown key or invalid value; `what` names the flag, e.g. "--output type=local". */
export function checkAttrs(attrs: ReadonlyMap<string, string>, rules: AttrRules, what: string): void {
  const known = Object.keys(rules.schema.properties);
  const prefixes = rules.prefixes ?? [];
  const plain: Record<string, string> = {};
  for (const [key, value] of attrs) {
    const prefix = prefixes.find((p) => key.startsWith(p) && key.length > p.length);
    if (prefix !== undefined) continue;
    if (!known.includes(key)) {
      const guess = suggest(key, [...known, ...prefixes.map((p) => `${p}KEY`)]);
      const list = [...known, ...prefixes.map((p) => `${p}*`)].join(', ');
      throw new FlagError(`unknown key "${key}" in ${what}${guess !== undefined ? ` (did you mean "${guess}"?)` : ''}`, {
        hint: list.length > 0 ? `known keys: ${list}` : `${what} takes no keys`,
      });
    }
    plain[key] = value;
  }
  let check = compiled.get(rules.schema);
  if (check === undefined) {
    check = TypeCompiler.Compile(rules.schema);
    compiled.set(rules.schema, check);
  }
  const first = check.Errors(plain).First();
  if (first === undefined) return;
  const key = first.path.replace(/^\//, '').replace(/~1/g, '/').replace(/~0/g, '~');
  const expect = (rules.schema.properties[key] as { expect?: string } | undefined)?.expect ?? first.message;
  throw new FlagError(`invalid value "${plain[key] ?? ''}" for "${key}" in ${what}: expected ${expect}`);
}

/** A bool attribute already checked by BoolAttr. */
export function attrBool(attrs: ReadonlyMap<string, string>, key: string, dflt: boolean): boolean {
  const v = attrs.get(key);
  if (v === undefined) return dflt;
  return v === '' || /^(1|t|true)$/i.test(v);
}
