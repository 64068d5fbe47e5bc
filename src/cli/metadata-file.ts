/**
 * --metadata-file: the exporter response as JSON, written atomically (temp file in the same directory, then
 * rename) so a reader never sees half a file. Keys sorted and indented by two spaces, as buildctl's
 * json.MarshalIndent of a Go map writes them.
 */
import { rm, writeFile, rename } from 'node:fs/promises';
import path from 'node:path';
import type { ExporterResponse } from '../build/request.js';
import { OutputError } from '../errors.js';

export async function writeMetadataFile(file: string, response: ExporterResponse): Promise<void> {
  const sorted = Object.fromEntries(Object.keys(response).sort().map((k) => [k, response[k]]));
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  try {
    await writeFile(tmp, `${JSON.stringify(sorted, null, 2)}\n`, { mode: 0o644 });
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw new OutputError(`cannot write --metadata-file ${file}: ${(e as Error).message}`, { cause: e });
  }
}
