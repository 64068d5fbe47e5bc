/**
 * How an error reaches the user: a BuildError as `error: <oneLine>` (and `hint: ...`), anything else as its
 * first message line; stacks only with --debug. Everything is redacted: error messages can carry URLs
 * with credentials.
 */
import { BuildError } from '../errors.js';
import { redact } from '../progress/redact.js';

export function formatError(e: unknown, debug: boolean): string {
  let out: string;
  if (e instanceof BuildError) {
    out = `error: ${e.oneLine()}\n`;
    if (e.hint !== undefined) out += `hint: ${e.hint}\n`;
  } else {
    const message = e instanceof Error ? e.message : String(e);
    out = `error: ${message.split('\n')[0] ?? ''}\n`;
  }
  if (debug && e instanceof Error && e.stack !== undefined) out += `${e.stack}\n`;
  if (debug && e instanceof Error && e.cause instanceof Error && e.cause.stack !== undefined) out += `caused by: ${e.cause.stack}\n`;
  return redact(out);
}
