/**
 * The doctor's output: one line per check, `PASS  <name>: <detail>` or `FAIL  <name>: <detail>` followed by
 * `  fix: <command>`. Stable and greppable; PASS/FAIL colored only on a TTY (and never with NO_COLOR).
 */
import type { CheckResult, DoctorReport } from './types.js';

const GREEN = '\x1b[32m';
const RED = '\x1b[31m';
const RESET = '\x1b[0m';

export function formatCheck(c: CheckResult, color = false): string {
  const word = c.ok ? 'PASS' : 'FAIL';
  const tag = color ? `${c.ok ? GREEN : RED}${word}${RESET}` : word;
  const fix = !c.ok && c.fix !== undefined ? `\n  fix: ${c.fix}` : '';
  return `${tag}  ${c.name}: ${c.detail}${fix}\n`;
}

export function formatReport(report: DoctorReport, color = false): string {
  return report.checks.map((c) => formatCheck(c, color)).join('');
}

/** One line for stderr: the verdict on the default mode. */
export function summary(report: DoctorReport): string {
  const mode = report.mode === 'root' ? 'root (runc as root)' : 'rootless (the build runs inside rootlesskit)';
  const fatal = report.checks.filter((c) => c.fatal).map((c) => c.name);
  const soft = report.checks.filter((c) => !c.ok && !c.fatal).map((c) => c.name);
  if (fatal.length > 0) return `doctor: builds cannot run in the default mode, ${mode}: fix ${fatal.join(', ')}\n`;
  const also = soft.length > 0 ? ` (with a fallback for: ${soft.join(', ')})` : '';
  return `doctor: builds can run in the default mode, ${mode}${also}\n`;
}
