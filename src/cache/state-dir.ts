/**
 * Layout of a state dir (ephemeral or persistent `--root`). Everything the cache keeps lives under it:
 *   layers/<id>/diff        overlay-format layer dirs (usable as lowerdirs), complete when layers/<id>/layer.json exists
 *   keys/<hex>.json         cache key -> result record, written atomically
 *   content/blobs/sha256/   content store (pulled and exported blobs)
 *   tmp/                    work in progress (same filesystem as layers/, so results are renamed into place)
 *   memo/                   persistent memos (context checksum memo)
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';

export class StateDir {
  readonly root: string;
  constructor(root: string) {
    this.root = path.resolve(root);
  }
  get layers(): string { return path.join(this.root, 'layers'); }
  get keys(): string { return path.join(this.root, 'keys'); }
  get content(): string { return path.join(this.root, 'content'); }
  get tmp(): string { return path.join(this.root, 'tmp'); }
  get memo(): string { return path.join(this.root, 'memo'); }

  async init(): Promise<void> {
    await Promise.all([this.layers, this.keys, this.content, this.tmp, this.memo].map((d) => mkdir(d, { recursive: true, mode: 0o700 })));
  }
}
