/**
 * How check results are shown. After a build: one line per warning (BuildKit's LintFormatShort, with the file
 * named: `Rule: message (Dockerfile:3)`). For `--opt call=check`: the report `docker build --check` prints
 * (buildx printResult + BuildKit lint.PrintTo + errdefs Source.Print), with the source lines around each one.
 */
import type { LintWarning } from './linter.js';

export function warningLine(w: LintWarning, file: string): string {
  return `${w.rule}: ${w.message}${w.startLine !== undefined ? ` (${file}:${w.startLine})` : ''}`;
}

/** errdefs.Source.Print: the range marked with `>>>`, 2 lines of context around one line, 1 around several. */
export function sourceSnippet(o: { file: string; source: string; start: number; end: number }): string {
  const lines = o.source.split('\n');
  let start = o.start;
  let end = Math.min(o.end, lines.length);
  if (start > lines.length || start < 1) return '';
  const pad = end === start ? 4 : 2;
  for (let p = 0; p < pad; p++) {
    if (start > 1) { start--; p++; }
    if (end !== lines.length) { end++; p++; }
  }
  let out = `${o.file}:${o.start}\n--------------------\n`;
  for (let i = start; i <= end; i++) {
    const mark = i >= o.start && i <= o.end ? '>>>' : '   ';
    out += ` ${String(i).padStart(3)} | ${mark} ${lines[i - 1]}\n`;
  }
  return out + '--------------------\n';
}

/** Warnings sorted as BuildKit's LintResults.PrintTo sorts them (by line; located after unlocated). */
export function sortWarnings(ws: readonly LintWarning[]): LintWarning[] {
  return [...ws].sort((a, b) => {
    if (a.startLine === undefined || b.startLine === undefined) {
      if (a.startLine === b.startLine) return a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0;
      return a.startLine === undefined ? -1 : 1;
    }
    return a.startLine - b.startLine;
  });
}

export interface CheckReport {
  readonly warnings: readonly LintWarning[];
  /** The build error, when the Dockerfile could not be converted. */
  readonly error?: { message: string; line?: number; endLine?: number };
}

/** The text `--opt call=check` prints, and its exit status (1 when anything was found). */
export function formatCheckReport(r: CheckReport, o: { file: string; source: string }): { text: string; status: number } {
  if (r.warnings.length === 0 && r.error === undefined) return { text: 'Check complete, no warnings found.\n', status: 0 };
  let text = '';
  if (r.warnings.length > 0) {
    const n = r.warnings.length;
    text += `Check complete, ${n === 1 ? '1 warning has' : `${n} warnings have`} been found!\n`;
  }
  for (const w of sortWarnings(r.warnings)) {
    text += `\nWARNING: ${w.rule}${w.url !== undefined ? ` - ${w.url}` : ''}\n${w.message}\n`;
    if (w.startLine !== undefined) text += sourceSnippet({ ...o, start: w.startLine, end: w.endLine ?? w.startLine });
  }
  if (r.error !== undefined) {
    if (text !== '') text += '\n';
    text += `ERROR: ${r.error.message}\n`;
    if (r.error.line !== undefined) text += sourceSnippet({ ...o, start: r.error.line, end: r.error.endLine ?? r.error.line });
  }
  return { text, status: 1 };
}
