/**
 * Leases: what a running build uses, so that a prune or an end-of-build GC in another process on the same state
 * dir never deletes it. Each build (each LayerStore) appends the record ids it uses (layer ids; cache mount ids
 * if their owner adds them) to its own file `leases/<pid>-<start ticks>-<random>.lease`, one id per line after a
 * first line `@<ms since epoch>` (when the build started). A lease file whose process is gone (same liveness
 * test as locks.ts) is dead: prune removes it.
 *
 * The protocol against the race "a build reads a key record while prune deletes the layers it names":
 *   build: append the id to its lease, THEN check the layer exists (LayerStore.get; missing = a cache miss);
 *   prune: rename the layer out of layers/, THEN read the leases again; if the id is leased now, put it back.
 * Either the build's append comes before prune's second read (prune sees it and keeps the layer), or prune's
 * rename comes before the build's check (the build sees no layer and treats it as a miss). Prunes run one at a
 * time (the `gc` lock, prune.ts), so no other prune sees a layer while it is briefly out of place.
 *
 * Cost: one mkdir+open per build, then one append (one write(2), ~10 us) per distinct layer it touches.
 */
import { mkdir, open, readdir, readFile, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { isErrno } from '../errors.js';
import { processStartTime } from './locks.js';

const NAME_RE = /^(\d+)-(\d+)-[a-f0-9]{8}\.lease$/;

/** The lease of one build: ids appended as it starts using them, removed as a whole by release(). */
export class Lease {
  private file: Promise<{ path: string; fh: FileHandle }> | undefined;
  private readonly added = new Map<string, Promise<void>>();
  private released = false;
  private readonly started = Date.now();

  constructor(private readonly dir: string) {}

  /** Lease `id`; resolves once the id is in the lease file, visible to any process reading it. */
  add(id: string): Promise<void> {
    if (this.released) return Promise.resolve(); // the build is over: nothing it does now needs protecting
    let p = this.added.get(id);
    if (p === undefined) {
      p = this.append(`${id}\n`);
      this.added.set(id, p);
    }
    return p;
  }

  private async append(line: string): Promise<void> {
    this.file ??= this.openFile();
    const { fh } = await this.file;
    await fh.write(line); // O_APPEND: one write, never interleaved with another
  }

  private async openFile(): Promise<{ path: string; fh: FileHandle }> {
    const name = `${process.pid}-${processStartTime(process.pid) ?? '0'}-${randomBytes(4).toString('hex')}.lease`;
    const file = path.join(this.dir, name);
    let fh: FileHandle;
    try {
      fh = await open(file, 'a', 0o600);
    } catch (e) {
      if (!isErrno(e, 'ENOENT')) throw e;
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      fh = await open(file, 'a', 0o600);
    }
    await fh.write(`@${this.started}\n`);
    return { path: file, fh };
  }

  /** Drop the whole lease (the build no longer uses anything). Idempotent; later add() calls are no-ops. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    if (this.file === undefined) return;
    const { path: file, fh } = await this.file;
    await fh.close().catch(() => undefined);
    await unlink(file).catch((e: unknown) => { if (!isErrno(e, 'ENOENT')) throw e; });
  }
}

export interface LiveLeases {
  /** Every id leased by a live build. */
  readonly ids: ReadonlySet<string>;
  /** When the oldest live leasing build started (ms since epoch); undefined: no live lease. */
  readonly oldestStart: number | undefined;
}

/** The leases of live builds in `dir`; with `removeDead`, the files of builds that are gone are deleted. */
export async function readLeases(dir: string, opts: { removeDead?: boolean } = {}): Promise<LiveLeases> {
  const ids = new Set<string>();
  let oldestStart: number | undefined;
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return { ids, oldestStart };
    throw e;
  }
  for (const name of names) {
    const m = NAME_RE.exec(name);
    if (m === null) continue;
    const file = path.join(dir, name);
    if (processStartTime(Number(m[1])) !== m[2]) {
      if (opts.removeDead === true) await unlink(file).catch(() => undefined);
      continue;
    }
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      if (isErrno(e, 'ENOENT')) continue; // released while we listed
      throw e;
    }
    for (const line of text.split('\n')) {
      if (line.startsWith('@')) {
        const t = Number(line.slice(1));
        if (Number.isFinite(t)) oldestStart = Math.min(oldestStart ?? t, t);
      } else if (line !== '') {
        ids.add(line); // a torn last line (being written) names no real id: harmless, see the protocol above
      }
    }
    // A live build whose first line is not written yet started just now.
    oldestStart ??= Date.now();
  }
  return { ids, oldestStart };
}
