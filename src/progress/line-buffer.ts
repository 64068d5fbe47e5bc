/**
 * Turns a step's output chunks into whole lines. Chunks may split a UTF-8 sequence or a line anywhere;
 * renderers only ever see complete lines, so a secret split across two chunks is still masked whole.
 * "\r\n" and a lone "\r" (progress bars) both end a line, as a non-TTY buildctl shows them on separate lines.
 */
const MAX_PENDING = 64 * 1024; // a line longer than this is cut, so a newline-free stream cannot grow memory

export class LineBuffer {
  private readonly decoder = new TextDecoder('utf-8');
  private pending = '';
  private skipLf = false;

  /** Feed a chunk; returns the lines it completed (without their terminators). */
  push(chunk: Uint8Array | string): string[] {
    let text = typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    if (text.length === 0) return [];
    if (this.skipLf && text.startsWith('\n')) text = text.slice(1);
    this.skipLf = text.endsWith('\r');
    const parts = (this.pending + text.replace(/\r\n?/g, '\n')).split('\n');
    this.pending = parts.pop() ?? '';
    if (this.pending.length > MAX_PENDING) {
      parts.push(this.pending);
      this.pending = '';
    }
    return parts;
  }

  /** The unterminated rest (e.g. `printf done` at the end of a step), if any. */
  flush(): string | undefined {
    const rest = this.pending + this.decoder.decode();
    this.pending = '';
    return rest.length > 0 ? rest : undefined;
  }
}
