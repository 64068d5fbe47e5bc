/**
 * The GC at the end of a build with a persistent state dir, as buildkitd's worker GC: when a byte budget is set,
 * records are removed (least recently used first, see prune.ts) until the whole state dir, metadata included,
 * is within it on disk. The budget comes from buildkitd.toml `[worker.oci] gckeepstorage` (a number in MB as
 * buildkitd reads it, or a size with a unit: "10GB"), and `gc = false` there turns it off. Without a budget
 * nothing is removed: a daemonless build never deletes cache it was not asked to.
 */
import { readFileSync } from 'node:fs';
import { utimes } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'smol-toml';
import { Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { StateDir } from '../cache/state-dir.js';
import { FlagError, isErrno } from '../errors.js';
import { pruneStateDir } from './prune.js';
import { parseBytes } from './units.js';

const OciGcCheck = TypeCompiler.Compile(Type.Object({
  worker: Type.Optional(Type.Object({
    oci: Type.Optional(Type.Object({
      gc: Type.Optional(Type.Boolean()),
      gckeepstorage: Type.Optional(Type.Union([Type.Number(), Type.String()])),
    })),
  })),
}));

export interface GcSettings {
  /** The budget in bytes; undefined: no GC. */
  readonly keepBytes?: number;
}

/**
 * From the --config file (already checked to parse as TOML by the CLI). `flagBytes` (a future
 * --oci-worker-gc-keepstorage flag) wins over the file, as flags do.
 */
export function gcSettings(opts: { config?: string; flagBytes?: number }): GcSettings {
  if (opts.flagBytes !== undefined) return { keepBytes: opts.flagBytes };
  if (opts.config === undefined) return {};
  const doc: unknown = parse(readFileSync(opts.config, 'utf8'));
  if (!OciGcCheck.Check(doc)) throw new FlagError(`${opts.config}: worker.oci.gc must be true or false and worker.oci.gckeepstorage a number (MB) or a size like "10GB"`);
  const oci = doc.worker?.oci;
  if (oci?.gc === false || oci?.gckeepstorage === undefined) return {};
  const raw = oci.gckeepstorage;
  return { keepBytes: typeof raw === 'number' ? Math.floor(raw * 1e6) : parseBytes(raw, `${opts.config}: worker.oci.gckeepstorage`, 1e6) };
}

/**
 * Run the GC on a persistent state dir when a budget is set (silently, as buildkitd's GC). The layers of the
 * build's result are marked used first (layer.json's mtime is a layer's last use, records.ts), so they are the
 * last to go.
 */
export async function gcAfterBuild(o: { state: StateDir; persistent: boolean; settings: GcSettings; used?: readonly { id: string }[] }): Promise<void> {
  if (!o.persistent || o.settings.keepBytes === undefined) return;
  const now = new Date();
  for (const l of o.used ?? []) {
    await utimes(path.join(o.state.layers, l.id, 'layer.json'), now, now).catch((e: unknown) => { if (!isErrno(e, 'ENOENT')) throw e; });
  }
  await pruneStateDir(o.state, { keepBytes: o.settings.keepBytes, now });
}
