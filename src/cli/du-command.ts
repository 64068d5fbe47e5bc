/**
 * `buildctl du [-v] [--filter F]`: the cache records of the --root state dir, as buildctl prints them
 * (ID, RECLAIMABLE, SIZE, LAST ACCESSED, then Reclaimable and Total; -v: one block per record).
 */
import { Type } from '@sinclair/typebox';
import { gcStateDir, reexecIfUnprivileged, removeGivenRunDir } from '../gc/command-state.js';
import { matchesAll, parseFilter } from '../gc/filter.js';
import { readKeyIndex } from '../gc/key-index.js';
import { listRecords } from '../gc/records.js';
import { leaseDir } from '../gc/prune.js';
import { readLeases } from '../cache/leases.js';
import { renderDuSummary, renderTable, renderVerbose } from '../gc/render.js';
import { parseDaemonOptions } from './daemon-flags.js';
import type { CommandIO } from './io.js';
import { GlobalArgvSchema, checkArgv, last, list } from './schemas.js';


const OneOrMany = <T extends ReturnType<typeof Type.String> | ReturnType<typeof Type.Boolean>>(t: T) => Type.Optional(Type.Union([t, Type.Array(t)]));
const DuArgvSchema = Type.Composite([GlobalArgvSchema, Type.Object({ verbose: OneOrMany(Type.Boolean()), filter: OneOrMany(Type.String()) })]);

export async function duCommand(rawArgv: unknown, io: CommandIO): Promise<number> {
  const argv = checkArgv(DuArgvSchema, rawArgv);
  const daemon = parseDaemonOptions(argv, io.cwd);
  const filters = list(argv.filter).map(parseFilter);
  const reexec = await reexecIfUnprivileged(io);
  if (reexec !== undefined) return reexec;
  try {
    const state = await gcStateDir(daemon.root, 'du');
    const now = new Date();
    const records = state === undefined ? [] : (await listRecords(state, (await readKeyIndex(state)).referenced, (await readLeases(leaseDir(state))).ids))
      .filter((r) => matchesAll(filters, r, now))
      .sort((a, b) => b.size - a.size);
    const body = last(argv.verbose) === true ? renderVerbose(records, now) : renderTable(records, now);
    await write(io, body + renderDuSummary(records));
    return 0;
  } finally {
    await removeGivenRunDir(io.env);
  }
}

export function write(io: Pick<CommandIO, 'stdout'>, text: string): Promise<void> {
  return new Promise<void>((resolve) => io.stdout.write(text, () => resolve()));
}
