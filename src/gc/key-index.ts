/**
 * The key records (keys/*.json) read as an index: which key files name which layers. When a layer goes, every key
 * record that names it goes first, so no record ever points at a missing layer (the solver would also take
 * such a record as a miss: Solver.lookup).
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { isErrno } from '../errors.js';
import type { StateDir } from '../cache/state-dir.js';

const RecordCheck = TypeCompiler.Compile(Type.Object({ outputs: Type.Array(Type.Array(Type.String())) }));

export interface KeyIndex {
  /** Key file path -> the layer ids it names. Unreadable or malformed records name nothing (they are garbage). */
  readonly files: ReadonlyMap<string, readonly string[]>;
  /** Layer ids named by at least one key record. */
  readonly referenced: ReadonlySet<string>;
}

export async function readKeyIndex(state: StateDir): Promise<KeyIndex> {
  const files = new Map<string, string[]>();
  const referenced = new Set<string>();
  let names: string[];
  try {
    names = await readdir(state.keys);
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return { files, referenced };
    throw e;
  }
  for (const name of names) {
    if (!name.endsWith('.json') || name.startsWith('.')) continue;
    const file = path.join(state.keys, name);
    let rec: unknown;
    try {
      rec = JSON.parse(await readFile(file, 'utf8'));
    } catch (e) {
      if (isErrno(e, 'ENOENT')) continue;
      if (!(e instanceof SyntaxError)) throw e;
    }
    const ids = RecordCheck.Check(rec) ? rec.outputs.flat() : [];
    files.set(file, ids);
    for (const id of ids) referenced.add(id);
  }
  return { files, referenced };
}

/** Key files that name any of `layerIds`. */
export function keysNaming(index: KeyIndex, layerIds: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (const [file, ids] of index.files) if (ids.some((id) => layerIds.has(id))) out.push(file);
  return out;
}
