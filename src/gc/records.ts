/**
 * The state dir as a list of cache records, the unit `du` shows and `prune`/GC remove (BuildKit's UsageInfo):
 *  - a layer (layers/<id>), with the content blob it was pulled from when that blob is in the content store
 *    (the image exporter reuses that blob, so the two live and die together), and the compressed blobs the
 *    exporters made of it with their content/layer-records/ files (output/layer-blobs.ts; keyed by layer id);
 *  - a content blob no layer names (content/blobs/sha256/<hex>);
 *  - a cache mount (cache-mounts/<hash>: RUN --mount=type=cache), type exec.cachemount;
 *  - the context checksum memos (memo/), type internal: only `prune --all` removes them.
 * Key records (keys/) are not records of their own: they are the index that names layers, and go with them.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { isErrno } from '../errors.js';
import type { StateDir } from '../cache/state-dir.js';
import { apparentSize } from './disk-size.js';
import { statIfExists } from '../util/fs.js';

export type RecordType = 'regular' | 'exec.cachemount' | 'internal';

export interface UsageRecord {
  readonly id: string;
  readonly type: RecordType;
  /** Paths removed with the record (layer dir, its blob, ...). */
  readonly paths: readonly string[];
  readonly size: number;
  readonly createdAt: Date;
  readonly lastUsedAt: Date;
  readonly description: string;
  /** Layer ids (for layers only): the layer and its blob. */
  readonly layerId?: string;
  /** Key records name this layer (BuildKit: the record has dependents / is in use by a cache key). */
  readonly referenced: boolean;
  /** A running build holds a lease on it (cache/leases.ts): not reclaimable now. */
  readonly inUse: boolean;
}

const LayerRecordFile = TypeCompiler.Compile(Type.Object({ key: Type.String(), digest: Type.String() }));

/** content/layer-records/*.json and the blobs they name, by the layer id they are of (their key is the layer id, maybe with a suffix). */
export async function exportedBlobs(state: StateDir): Promise<Map<string, string[]>> {
  const dir = path.join(state.content, 'layer-records');
  const out = new Map<string, string[]>();
  for (const name of await names(dir)) {
    if (!name.endsWith('.json')) continue;
    const file = path.join(dir, name);
    let rec: unknown;
    try {
      rec = JSON.parse(await readFile(file, 'utf8'));
    } catch (e) {
      if (isErrno(e, 'ENOENT') || e instanceof SyntaxError) continue;
      throw e;
    }
    if (!LayerRecordFile.Check(rec) || !/^sha256:[a-f0-9]{64}$/.test(rec.digest)) continue;
    const id = rec.key.split('\0')[0]!;
    const paths = out.get(id) ?? [];
    paths.push(file, blobPath(state, rec.digest));
    out.set(id, paths);
  }
  return out;
}

const LayerJson = TypeCompiler.Compile(Type.Object({
  created: Type.String(),
  blob: Type.Optional(Type.Object({ digest: Type.String() })),
}));

async function names(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return [];
    throw e;
  }
}

async function mtime(p: string): Promise<Date | undefined> {
  return (await statIfExists(p))?.mtime;
}

function blobPath(state: StateDir, digest: string): string {
  return path.join(state.content, 'blobs', ...digest.split(':'));
}

/**
 * Every record in the state dir; `referencedLayers` comes from the key records (key-index.ts), `leased` from
 * the live builds' leases (cache/leases.ts). A path may belong to more than one record (a blob two layers
 * compress to): prune.ts removes it with the last of them.
 */
export async function listRecords(state: StateDir, referencedLayers: ReadonlySet<string>, leased: ReadonlySet<string> = new Set()): Promise<UsageRecord[]> {
  const out: UsageRecord[] = [];
  const seen = new Set<string>();
  const blobsOfLayers = new Set<string>();
  const exported = await exportedBlobs(state);
  for (const id of await names(state.layers)) {
    const dir = path.join(state.layers, id);
    let meta: unknown;
    try {
      meta = JSON.parse(await readFile(path.join(dir, 'layer.json'), 'utf8'));
    } catch (e) {
      if (isErrno(e, 'ENOENT') || e instanceof SyntaxError) continue; // incomplete: not a record (tmp/ cleanup owns it)
      throw e;
    }
    if (!LayerJson.Check(meta)) continue;
    const paths = [dir];
    let description = 'layer';
    if (meta.blob !== undefined) {
      const blob = blobPath(state, meta.blob.digest);
      description = `pulled layer ${meta.blob.digest}`;
      if ((await mtime(blob)) !== undefined) {
        paths.push(blob);
        blobsOfLayers.add(blob);
      }
    }
    for (const p of exported.get(id) ?? []) {
      if (paths.includes(p) || (await mtime(p)) === undefined) continue;
      paths.push(p);
      blobsOfLayers.add(p);
    }
    let size = 0;
    for (const p of paths) size += await apparentSize(p, seen);
    const created = new Date(meta.created);
    const used = (await mtime(path.join(dir, 'layer.json'))) ?? created;
    out.push({ id, type: 'regular', paths, size, createdAt: created, lastUsedAt: used, description, layerId: id, referenced: referencedLayers.has(id), inUse: leased.has(id) });
  }
  for (const algo of await names(path.join(state.content, 'blobs'))) {
    for (const hex of await names(path.join(state.content, 'blobs', algo))) {
      const blob = path.join(state.content, 'blobs', algo, hex);
      if (blobsOfLayers.has(blob) || hex.startsWith('.')) continue;
      const t = (await mtime(blob)) ?? new Date();
      out.push({ id: hex, type: 'regular', paths: [blob], size: await apparentSize(blob, seen), createdAt: t, lastUsedAt: t, description: `content blob ${algo}:${hex}`, referenced: false, inUse: false });
    }
  }
  const mounts = path.join(state.root, 'cache-mounts');
  for (const id of await names(mounts)) {
    const dir = path.join(mounts, id);
    const t = (await mtime(dir)) ?? new Date();
    out.push({ id, type: 'exec.cachemount', paths: [dir], size: await apparentSize(dir, seen), createdAt: t, lastUsedAt: t, description: 'cache mount (RUN --mount=type=cache)', referenced: false, inUse: leased.has(id) });
  }
  if ((await names(state.memo)).length > 0) {
    const t = (await mtime(state.memo)) ?? new Date();
    out.push({ id: 'memo', type: 'internal', paths: [state.memo], size: await apparentSize(state.memo, seen), createdAt: t, lastUsedAt: t, description: 'context checksum memos', referenced: false, inUse: false });
  }
  return out;
}
