/**
 * Instruction flags (BuildKit's BFlags): `--name=value`, `--name value` is NOT accepted, `--bool` alone.
 * Every instruction declares its flags once; anything else is `unknown flag: --x` with a did-you-mean.
 */
import { DockerfileError, type SourceLocation } from '../../../errors.js';
import { didYouMean } from '../../../util/did-you-mean.js';

export type FlagKind = 'string' | 'bool' | 'strings';
export type FlagSpec = Readonly<Record<string, FlagKind>>;

export interface ParsedFlags {
  string(name: string): string | undefined;
  bool(name: string): boolean;
  strings(name: string): string[];
}

export function parseFlags(instruction: string, raw: readonly string[], spec: FlagSpec, location: SourceLocation): ParsedFlags {
  const values = new Map<string, string[]>();
  for (const f of raw) {
    if (!f.startsWith('--')) throw new DockerfileError(`${instruction}: invalid flag ${f}`, { location });
    const body = f.slice(2);
    const eq = body.indexOf('=');
    const name = (eq < 0 ? body : body.slice(0, eq)).toLowerCase();
    const kind = spec[name];
    if (!kind) {
      const hint = didYouMean(name, Object.keys(spec));
      throw new DockerfileError(`unknown flag: --${name}${hint ? ` (did you mean --${hint}?)` : ''}`, { location });
    }
    let value: string;
    if (eq < 0) {
      if (kind !== 'bool') throw new DockerfileError(`missing a value on flag: --${name}`, { location });
      value = 'true';
    } else {
      value = body.slice(eq + 1);
      if (kind === 'bool' && value !== 'true' && value !== 'false') {
        throw new DockerfileError(`expecting boolean value for flag ${name}, not: ${value}`, { location });
      }
    }
    const list = values.get(name) ?? [];
    if (kind !== 'strings' && list.length > 0) throw new DockerfileError(`duplicate flag specified: --${name}`, { location });
    list.push(value);
    values.set(name, list);
  }
  return {
    string: (n) => values.get(n)?.[0],
    bool: (n) => values.get(n)?.[0] === 'true',
    strings: (n) => values.get(n) ?? [],
  };
}
