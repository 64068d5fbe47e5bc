/**
 * Reading vector files from the conformance folder. JSON is checked against a TypeBox
 * schema once, so a set can trust the shape it declared.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Static, TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/** Reads `rel` under `root` as JSON and checks it against `schema`; throws on a mismatch. */
export async function loadJson<T extends TSchema>(root: string, rel: string, schema: T): Promise<Static<T>> {
  const data: unknown = JSON.parse(await readFile(join(root, rel), 'utf8'));
  if (!Value.Check(schema, data)) {
    const first = Value.Errors(schema, data).First();
    throw new Error(`${rel}: unexpected shape at ${first?.path ?? '?'}: ${first?.message ?? ''}`);
  }
  return data;
}
