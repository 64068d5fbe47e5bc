/**
 * `--chmod` values as BuildKit accepts them: an octal number up to 07777, or a symbolic mode as chmod(1) and
 * Go's github.com/tonistiigi/dchapes-mode (which BuildKit and fsutil use) read it, with umask 0:
 *   mode   := clause [',' clause]...
 *   clause := [ugoa]* (op [rwxXstugo]*)+      op := '+' | '-' | '='
 * `X` is execute only for a directory or an entry that already has an execute bit; `u`/`g`/`o` after an op copy
 * that class's current bits; `s` is setuid (u) / setgid (g); `t` is the sticky bit (a or o).
 */

export class ModeSyntaxError extends Error {
  constructor(readonly value: string, reason: string) {
    super(`invalid chmod parameter: '${value}': ${reason}`);
    this.name = 'ModeSyntaxError';
  }
}

interface Action { op: '+' | '-' | '='; perms: string }
interface Clause { who: number; actions: Action[] }

/** A parsed --chmod: either numeric bits or symbolic clauses; apply() gives the new permission bits. */
export interface ModeSpec {
  readonly text: string;
  readonly numeric?: number;
  apply(mode: number, isDir: boolean): number;
}

const WHO: Readonly<Record<string, number>> = { u: 0o4700, g: 0o2070, o: 0o1007, a: 0o7777 };

/** Parse an octal or symbolic --chmod value; throws ModeSyntaxError. */
export function parseModeSpec(text: string): ModeSpec {
  if (/^[0-9]+$/.test(text)) {
    const n = /^[0-7]+$/.test(text) ? parseInt(text, 8) : NaN;
    if (Number.isNaN(n) || n > 0o7777) {
      throw new ModeSyntaxError(text, 'it should be octal string and between 0 and 07777');
    }
    return { text, numeric: n, apply: () => n };
  }
  const clauses = parseSymbolic(text);
  return { text, apply: (mode, isDir) => applyClauses(clauses, mode & 0o7777, isDir) };
}

function parseSymbolic(text: string): Clause[] {
  if (text === '') throw new ModeSyntaxError(text, 'empty mode');
  return text.split(',').map((part) => {
    let i = 0;
    let who = 0;
    while (i < part.length && 'ugoa'.includes(part[i]!)) who |= WHO[part[i++]!]!;
    const actions: Action[] = [];
    while (i < part.length) {
      const op = part[i++]!;
      if (op !== '+' && op !== '-' && op !== '=') throw new ModeSyntaxError(text, `unexpected ${JSON.stringify(op)}`);
      let perms = '';
      while (i < part.length && 'rwxXstugo'.includes(part[i]!)) perms += part[i++];
      actions.push({ op, perms });
    }
    if (actions.length === 0) throw new ModeSyntaxError(text, 'missing operator (+, - or =)');
    return { who: who === 0 ? 0o7777 : who, actions };
  });
}

function applyClauses(clauses: readonly Clause[], mode: number, isDir: boolean): number {
  let m = mode;
  for (const { who, actions } of clauses) {
    for (const { op, perms } of actions) {
      let bits = 0;
      for (const p of perms) {
        switch (p) {
          case 'r': bits |= 0o444; break;
          case 'w': bits |= 0o222; break;
          case 'x': bits |= 0o111; break;
          case 'X': if (isDir || (m & 0o111) !== 0) bits |= 0o111; break;
          case 's': bits |= 0o6000; break;
          case 't': bits |= 0o1000; break;
          // Copy a class's current bits to every class.
          case 'u': bits |= spread((m >> 6) & 7); break;
          case 'g': bits |= spread((m >> 3) & 7); break;
          case 'o': bits |= spread(m & 7); break;
        }
      }
      bits &= who;
      if (op === '+') m |= bits;
      else if (op === '-') m &= ~bits;
      // '=' clears the class first; like chmod(1), a directory keeps its unmentioned setuid/setgid bits.
      else m = (m & ~(isDir ? who & 0o1777 : who)) | bits;
    }
  }
  return m & 0o7777;
}

function spread(rwx: number): number {
  return (rwx << 6) | (rwx << 3) | rwx;
}
