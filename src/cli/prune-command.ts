/**
 * `buildctl prune [--all] [--keep-duration D] [--keep-storage MB] [--filter F] [-v]`: remove cache records of
 * the --root state dir; prints each removed record as buildctl does (a table, or -v blocks), then Total.
 * --keep-storage is a size in MB as in buildctl, or with a unit (10GB); it bounds the whole state dir on disk.
 */
import { Type } from '@sinclair/typebox';
import { gcStateDir, reexecIfUnprivileged, removeGivenRunDir } from '../gc/command-state.js';
import { parseFilter } from '../gc/filter.js';
import { pruneStateDir } from '../gc/prune.js';
import { renderPruneTotal, renderTable, renderVerbose } from '../gc/render.js';
import { parseBytes, parseDuration } from '../gc/units.js';
import { parseDaemonOptions } from './daemon-flags.js';
import { write } from './du-command.js';
import type { CommandIO } from './io.js';
import { GlobalArgvSchema, checkArgv, last, list } from './schemas.js';


const Many = <T extends ReturnType<typeof Type.String> | ReturnType<typeof Type.Boolean>>(t: T) => Type.Optional(Type.Union([t, Type.Array(t)]));
const PruneArgvSchema = Type.Composite([GlobalArgvSchema, Type.Object({
  all: Many(Type.Boolean()), 'keep-duration': Many(Type.String()), 'keep-storage': Many(Type.String()),
  filter: Many(Type.String()), verbose: Many(Type.Boolean()),
})]);

export async function pruneCommand(rawArgv: unknown, io: CommandIO): Promise<number> {
  const argv = checkArgv(PruneArgvSchema, rawArgv);
  const daemon = parseDaemonOptions(argv, io.cwd);
  const filters = list(argv.filter).map(parseFilter);
  const keepDuration = last(argv['keep-duration']);
  const keepStorage = last(argv['keep-storage']);
  const opts = {
    all: last(argv.all) === true, filters,
    ...(keepDuration !== undefined ? { keepDurationMs: parseDuration(keepDuration, '--keep-duration') } : {}),
    ...(keepStorage !== undefined ? { keepBytes: parseBytes(keepStorage, '--keep-storage', 1e6) } : {}),
  };
  const reexec = await reexecIfUnprivileged(io);
  if (reexec !== undefined) return reexec;
  try {
    const state = await gcStateDir(daemon.root, 'prune');
    const now = new Date();
    const removed = state === undefined ? [] : (await pruneStateDir(state, { ...opts, now })).removed;
    const verbose = last(argv.verbose) === true;
    const body = removed.length === 0 ? '' : verbose ? renderVerbose(removed, now) : renderTable(removed, now);
    await write(io, body + renderPruneTotal(removed));
    return 0;
  } finally {
    await removeGivenRunDir(io.env);
  }
}
