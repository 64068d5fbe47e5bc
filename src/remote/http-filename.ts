/**
 * The name and mtime of a downloaded file, as BuildKit's http source picks them (source/http/source.go
 * getFileName and save): the http.filename attr, else Content-Disposition's filename, else the URL's last path
 * component, else "download"; always one safe path component. The mtime is Last-Modified, else the Unix epoch.
 */
import path from 'node:path';

const FALLBACK = 'download';

/** One path component: the base name of the cleaned absolute path, never "", "." or "..". */
export function safeFileName(name: string): string {
  const base = path.posix.basename(path.posix.join('/', name));
  return base === '' || base === '/' || base === '.' || base === '..' ? FALLBACK : base;
}

/** filename (or RFC 5987 filename*) of a Content-Disposition header, as Go's mime.ParseMediaType reads it. */
export function contentDispositionFilename(header: string): string | undefined {
  const star = /(?:^|;)\s*filename\*\s*=\s*([^']*)'[^']*'([^;]*)/i.exec(header);
  if (star) {
    try {
      return decodeURIComponent(star[2]!.trim());
    } catch {
      return undefined;
    }
  }
  const quoted = /(?:^|;)\s*filename\s*=\s*"((?:[^"\\]|\\.)*)"/i.exec(header);
  if (quoted) return quoted[1]!.replace(/\\(.)/g, '$1');
  const token = /(?:^|;)\s*filename\s*=\s*([^\s;"]+)/i.exec(header);
  return token?.[1];
}

export function fileNameFor(o: { url: string; manual?: string | undefined; contentDisposition?: string | undefined }): string {
  if (o.manual !== undefined && o.manual !== '') return safeFileName(o.manual);
  if (o.contentDisposition !== undefined) {
    const f = contentDispositionFilename(o.contentDisposition);
    if (f !== undefined && f !== '' && !f.endsWith('/')) return safeFileName(f);
  }
  try {
    const base = path.posix.basename(new URL(o.url).pathname);
    if (base !== '' && base !== '.' && base !== '/') return safeFileName(decodeURIComponent(base));
  } catch {
    // an unparsable URL names nothing
  }
  return FALLBACK;
}

/** Seconds since the epoch of a Last-Modified value; 0 (BuildKit's time.Unix(0, 0)) when absent or unparsable. */
export function mtimeOf(lastModified: string | undefined): number {
  if (lastModified === undefined) return 0;
  const ms = Date.parse(lastModified);
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : 0;
}
