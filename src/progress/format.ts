/** Number formats buildctl's progress printer uses. */

/** Seconds since the vertex started, as buildctl prefixes log lines: 3 decimals under 10 s, 2 under 100 s, else 1. */
export function logTimestamp(ms: number): string {
  const sec = Math.max(0, ms) / 1000;
  return sec.toFixed(sec < 10 ? 3 : sec < 100 ? 2 : 1);
}

/** A duration as "0.3s" (Go's %.1fs). */
export function seconds(ms: number): string {
  return `${(Math.max(0, ms) / 1000).toFixed(1)}s`;
}

/** Error messages that mean "the build was cancelled" (BuildKit prints CANCELED instead of ERROR for these). */
export function isCancelMessage(message: string): boolean {
  return /(?:context canceled|^canceled|^cancelled|operation was aborted)$/i.test(message.trim());
}
