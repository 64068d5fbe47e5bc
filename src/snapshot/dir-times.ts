/**
 * Directory times to put back after we added or removed entries inside (a marker, a whiteout): tar or the
 * process set them, and bookkeeping of ours must not count as a change of the directory.
 */
import { lstat, utimes } from 'node:fs/promises';

export class DirTimes {
  readonly #saved = new Map<string, { atime: number; mtime: number }>();

  /** Note dir's times now, unless they are noted already. */
  async remember(dir: string): Promise<void> {
    if (this.#saved.has(dir)) return;
    const st = await lstat(dir, { bigint: true });
    // Seconds as a double: ~240 ns resolution, far below what a layer tar records (whole seconds).
    this.#saved.set(dir, { atime: Number(st.atimeNs) / 1e9, mtime: Number(st.mtimeNs) / 1e9 });
  }

  async restore(): Promise<void> {
    for (const [dir, t] of this.#saved) await utimes(dir, t.atime, t.mtime);
  }
}
