/**
 * --metadata-file: the exporter response as JSON, written atomically (temp file in the same directory, then
 * rename) so a reader never sees half a file. As buildctl writes it: json.MarshalIndent of a Go map (top-level
 * keys sorted, two-space indent), object values (the descriptor) copied as raw JSON in the order the exporter
 * wrote them, and Go's escaping of <, >, &, U+2028 and U+2029. One difference: a newline ends the file.
 */
import { rm, writeFile, rename } from 'node:fs/promises';
import path from 'node:path';
import type { ExporterResponse } from '../build/request.js';
import { OutputError } from '../errors.js';

const GO_ESCAPES: Record<string, string> = { '<': '\\u003c', '>': '\\u003e', '&': '\\u0026', '\u2028': '\\u2028', '\u2029': '\\u2029' };

/** The file's content. Outside strings JSON has none of these characters, so escaping the whole text is safe. */
export function metadataJson(response: ExporterResponse): string {
  const sorted = Object.fromEntries(Object.keys(response).sort().map((k) => [k, response[k]]));
  return `${JSON.stringify(sorted, null, 2).replace(/[<>&\u2028\u2029]/g, (c) => GO_ESCAPES[c]!)}\n`;
}

export async function writeMetadataFile(file: string, response: ExporterResponse): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  try {
    await writeFile(tmp, metadataJson(response), { mode: 0o644 });
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw new OutputError(`cannot write --metadata-file ${file}: ${(e as Error).message}`, { cause: e });
  }
}
