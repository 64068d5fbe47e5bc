/**
 * Go's text/tabwriter as buildctl uses it: NewWriter(out, minwidth 1, tabwidth 8, padding 1, padchar '\t', 0).
 * Cells end at '\t'; a column's width is its widest cell (+ padding) over a block of consecutive lines that
 * have that column; padding is written as tabs, rounding the cell up to a multiple of tabwidth. The text after a
 * line's last '\t' is not part of any column. A port of tabwriter.format, so our output lines up like buildctl's.
 */
const MIN_WIDTH = 1;
const TAB_WIDTH = 8;
const PADDING = 1;

export function tabwrite(text: string): string {
  const lines = text.split('\n');
  const trailing = lines[lines.length - 1] === '' ? lines.pop() : undefined;
  const cells = lines.map((l) => l.split('\t'));
  const widths: number[] = [];
  const out: string[] = [];
  const writeLines = (from: number, to: number): void => {
    for (let i = from; i < to; i++) {
      const line = cells[i]!;
      let s = '';
      for (const [j, c] of line.entries()) {
        if (j < line.length - 1 && j < widths.length) {
          s += c;
          const cellw = Math.ceil(widths[j]! / TAB_WIDTH) * TAB_WIDTH;
          s += '\t'.repeat(Math.ceil((cellw - c.length) / TAB_WIDTH));
        } else {
          s += c;
        }
      }
      out.push(s);
    }
  };
  const format = (line0: number, line1: number): void => {
    const column = widths.length;
    for (let t = line0; t < line1; t++) {
      if (column >= cells[t]!.length - 1) continue;
      writeLines(line0, t);
      line0 = t;
      let width = MIN_WIDTH;
      for (; t < line1; t++) {
        const line = cells[t]!;
        if (column >= line.length - 1) break;
        width = Math.max(width, line[column]!.length + PADDING);
      }
      widths.push(width);
      format(line0, t);
      widths.pop();
      line0 = t;
    }
    writeLines(line0, line1);
  };
  format(0, cells.length);
  return out.join('\n') + (trailing !== undefined ? '\n' : '');
}
