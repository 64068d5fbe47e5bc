/**
 * The GC at the end of a build with a persistent state dir, as buildkitd's worker GC: when a byte budget is set,
 * records are removed (least recently used first, see prune.ts) until the whole state dir, metadata included,
 * is within it on disk (less what concurrent builds lease: those records are never removed). The budget comes
 * from `--oci-worker-gc-keepstorage` or else buildkitd.toml `[worker.oci] gckeepstorage` (a number in MB as
 * buildkitd reads it, or a size with a unit: "10GB"); `--oci-worker-gc=false`, or else `gc = false` in the
 * file, turns it off. Without a budget nothing is removed: a daemonless build never deletes cache it was not
 * asked to.
 */
import { readFileSync } from 'node:fs';
import { utimes } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'smol-toml';
import { Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { Lease } from '../cache/leases.js';
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
 * From the flags (--oci-worker-gc-keepstorage as `flagBytes`, --oci-worker-gc as `flagGc`) and the --config
 * file (already checked to parse as TOML by the CLI). Each flag that was given wins over its setting in the
 * file, as in buildkitd.
 */
export function gcSettings(opts: { config?: string; flagBytes?: number; flagGc?: boolean }): GcSettings {
  const oci = opts.config !== undefined ? fileSettings(opts.config) : {};
  const enabled = opts.flagGc ?? oci.gc ?? true;
  const keepBytes = opts.flagBytes ?? oci.keepBytes;
  return enabled && keepBytes !== undefined ? { keepBytes } : {};
}

function fileSettings(config: string): { gc?: boolean; keepBytes?: number } {
  const doc: unknown = parse(readFileSync(config, 'utf8'));
  if (!OciGcCheck.Check(doc)) throw new FlagError(`${config}: worker.oci.gc must be true or false and worker.oci.gckeepstorage a number (MB) or a size like "10GB"`);
  const oci = doc.worker?.oci;
  const raw = oci?.gckeepstorage;
  return {
    ...(oci?.gc !== undefined ? { gc: oci.gc } : {}),
    ...(raw === undefined ? {} : { keepBytes: typeof raw === 'number' ? Math.floor(raw * 1e6) : parseBytes(raw, `${config}: worker.oci.gckeepstorage`, 1e6) }),
  };
}

/**
 * Run the GC on a persistent state dir when a budget is set (silently, as buildkitd's GC). The build is over,
 * so its own lease is released first (else the GC could not remove anything this build used); the layers of
 * its result are marked used (layer.json's mtime is a layer's last use, records.ts), so they are the last to go.
 */
export async function gcAfterBuild(o: { state: StateDir; persistent: boolean; settings: GcSettings; used?: readonly { id: string }[]; lease?: Lease }): Promise<void> {
  await o.lease?.release();
  if (!o.persistent || o.settings.keepBytes === undefined) return;
  const now = new Date();
  for (const l of o.used ?? []) {
    await utimes(path.join(o.state.layers, l.id, 'layer.json'), now, now).catch((e: unknown) => { if (!isErrno(e, 'ENOENT')) throw e; });
  }
  await pruneStateDir(o.state, { keepBytes: o.settings.keepBytes, now });
}
