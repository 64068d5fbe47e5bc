/**
 * Physical lines of a Dockerfile, read one at a time like Go's bufio.Scanner with BuildKit's
 * scanLines: each line keeps its '\n'; there is no empty line after a final '\n'; a line of
 * 65536 bytes or more (not counting its '\n') is an error, raised when that line is reached.
 */

/** BuildKit's scanner limit is bufio.MaxScanTokenSize (64 KiB), the '\n' included. */
export const MAX_LINE_BYTES = 65535;

export class LineTooLongError extends Error {
  constructor(readonly line: number) {
    super(`dockerfile line greater than max allowed size of ${MAX_LINE_BYTES}`);
  }
}

/** Decodes bytes as UTF-8 (invalid sequences become U+FFFD); a leading BOM is kept for the caller. */
export function decodeSource(source: string | Buffer): string {
  return typeof source === 'string' ? source : new TextDecoder('utf-8', { ignoreBOM: true }).decode(source);
}

export class LineReader {
  private pos = 0;
  /** 1-based number of the last line returned by next() (0 before the first). */
  lineNo = 0;
  constructor(private readonly text: string) {}

  /** The next line including its '\n' (if any), or undefined at the end. */
  next(): string | undefined {
    if (this.pos >= this.text.length) return undefined;
    const nl = this.text.indexOf('\n', this.pos);
    const end = nl < 0 ? this.text.length : nl + 1;
    const line = this.text.slice(this.pos, end);
    const contentLength = nl < 0 ? line.length : line.length - 1;
    // A UTF-16 unit is at most 3 UTF-8 bytes: only long strings need the exact count.
    if (contentLength * 3 > MAX_LINE_BYTES && Buffer.byteLength(line.slice(0, contentLength)) > MAX_LINE_BYTES) {
      throw new LineTooLongError(this.lineNo + 1);
    }
    this.pos = end;
    this.lineNo++;
    return line;
  }
}

/** Go's bytes.TrimRight(line, "\r\n"). */
export function trimNewline(line: string): string {
  let end = line.length;
  while (end > 0 && (line[end - 1] === '\n' || line[end - 1] === '\r')) end--;
  return line.slice(0, end);
}
