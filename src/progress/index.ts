/**
 * createProgress: the ProgressSink for a --progress mode. All renderers write to `stream` (stderr by default),
 * never stdout, so `--output type=tar,dest=-` can own stdout.
 */
import type { ProgressSink } from './types.js';
import type { ProgressStream } from './events.js';
import { createPlainProgress } from './plain.js';
import { createQuietProgress } from './quiet.js';
import { createRawJsonProgress } from './rawjson.js';
import { createTtyProgress } from './tty.js';

export type ProgressMode = 'auto' | 'plain' | 'tty' | 'rawjson' | 'quiet';
export const PROGRESS_MODES: readonly ProgressMode[] = ['auto', 'plain', 'tty', 'rawjson', 'quiet'];

export { redact, registerSecret } from './redact.js';
export type { ProgressStream } from './events.js';

export function createProgress(mode: ProgressMode, stream: ProgressStream = process.stderr): ProgressSink {
  const opts = { stream };
  switch (mode) {
    case 'plain': return createPlainProgress(opts);
    case 'rawjson': return createRawJsonProgress(opts);
    case 'quiet': return createQuietProgress(opts);
    case 'auto':
    case 'tty':
      // A live view needs a terminal; piped or redirected stderr gets the plain log, as with buildctl.
      return stream.isTTY === true ? createTtyProgress(opts) : createPlainProgress(opts);
  }
}
