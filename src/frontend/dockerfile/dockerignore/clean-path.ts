/**
 * Go's path.Clean for slash-separated paths: collapse `//`, drop `.` segments, resolve `..`
 * against the previous segment (and drop it at the root), no trailing slash; "" becomes ".".
 * patternmatcher cleans both patterns and paths with it, so we must agree exactly.
 */
export function cleanPath(p: string): string {
  if (p === '') return '.';
  const rooted = p.startsWith('/');
  const out: string[] = [];
  let leadingDotDots = 0;
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length > leadingDotDots) out.pop();
      else if (!rooted) { out.push('..'); leadingDotDots++; }
      continue;
    }
    out.push(seg);
  }
  const joined = out.join('/');
  if (rooted) return '/' + joined;
  return joined === '' ? '.' : joined;
}

/** Go's path.Dir: everything before the last slash, cleaned. */
export function dirPath(p: string): string {
  const i = p.lastIndexOf('/');
  return cleanPath(p.slice(0, i + 1));
}
