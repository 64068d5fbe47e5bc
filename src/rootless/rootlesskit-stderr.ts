/**
 * What rootlesskit writes to stderr, sorted: its "child exited" lines only repeat the build's exit code and are
 * dropped; anything else it says is shown as rootlesskit's (never as ours), and then a pointer to `doctor`.
 * scripts/buildctl-daemonless.sh has the same filter in sh.
 */
export const DOCTOR_HINT = 'run "buildctl doctor" to check this machine for rootless builds';
export const DOCTOR_POINTER = `hint: ${DOCTOR_HINT}`;

/** The line to show for one line of rootlesskit's stderr, or undefined to drop it. */
export function rootlesskitLine(line: string): { show?: string; fromRootlesskit: boolean } {
  const m = /^\[rootlesskit:[a-z]+ *\] (.*)$/.exec(line);
  if (m === null) return { show: line, fromRootlesskit: false };
  const text = m[1]!;
  if (/^error: child exited/.test(text) || /^error: command \[.*\] exited: /.test(text)) return { fromRootlesskit: true };
  // The child's echo of a failure the parent already reported.
  if (/^error: parsing message from fd 3: EOF/.test(text)) return { fromRootlesskit: true };
  return { show: `rootlesskit: ${text}`, fromRootlesskit: true };
}
