/**
 * Extended attributes of a whole tree with ONE process each way (Node has no xattr API): `getfattr -hRP -d -m -
 * -e base64` to read, `setfattr --restore` to write. Both use getfattr's dump format, whose file names escape
 * bytes as `\ooo` octal.
 */
import { ToolFailure, run } from './proc.js';

/** xattrs of one file, name -> raw value, in the order getfattr lists them (sorted by name). */
export type XattrSet = Map<string, Buffer>;

/**
 * All xattrs under `dir` (symlinks not followed, their own xattrs read), keyed by path relative to `dir`
 * ("." for `dir` itself). Files without xattrs are absent.
 */
export async function readXattrTree(dir: string, signal?: AbortSignal): Promise<Map<string, XattrSet>> {
  try {
    const { stdout } = await run('getfattr', ['-hRP', '-d', '-m', '-', '-e', 'base64', '.'], { cwd: dir, signal });
    return parseDump(stdout);
  } catch (e) {
    // On a merged overlay mount, a directory that only one layer has lists that layer's whiteouts, which then
    // fail with ENOENT: they are not there, so they have no xattrs. Any other failure is real.
    if (!(e instanceof ToolFailure) || e.exitCode !== 1) throw e;
    const other = e.stderr.split('\n').filter((l) => l !== '' && !l.endsWith(': No such file or directory'));
    if (other.length > 0) throw e;
    return parseDump(e.stdout);
  }
}

/** Parse getfattr's dump format (with `-e base64`). */
export function parseDump(dump: Buffer): Map<string, XattrSet> {
  const result = new Map<string, XattrSet>();
  let current: XattrSet | undefined;
  // latin1 keeps every byte as one char, so escapes and raw UTF-8 names survive until decoded below.
  for (const line of dump.toString('latin1').split('\n')) {
    if (line.startsWith('# file: ')) {
      let name = unescapeName(line.slice('# file: '.length));
      if (name.startsWith('./')) name = name.slice(2);
      current = new Map();
      result.set(name === '' ? '.' : name, current);
      continue;
    }
    if (line === '' || current === undefined) continue;
    const eq = line.indexOf('=');
    const key = unescapeName(eq < 0 ? line : line.slice(0, eq));
    current.set(key, decodeValue(eq < 0 ? '' : line.slice(eq + 1)));
  }
  return result;
}

/** Set xattrs on many files at once; paths are relative to `cwd`. Symlinks in the final component are not followed. */
export async function restoreXattrs(cwd: string, entries: Iterable<[string, XattrSet]>): Promise<void> {
  const parts: string[] = [];
  for (const [p, set] of entries) {
    parts.push(`# file: ${escapeName(p)}\n`);
    for (const [k, v] of set) parts.push(`${escapeName(k)}=0s${v.toString('base64')}\n`);
    parts.push('\n');
  }
  if (parts.length === 0) return;
  await run('setfattr', ['-h', '--restore=-'], { cwd, input: parts.join('') });
}

function decodeValue(v: string): Buffer {
  if (v.startsWith('0s')) return Buffer.from(v.slice(2), 'base64');
  if (v.startsWith('0x')) return Buffer.from(v.slice(2), 'hex');
  if (v.startsWith('"') && v.endsWith('"')) return Buffer.from(unescapeName(v.slice(1, -1)), 'latin1');
  return Buffer.from(v, 'latin1');
}

/** Undo getfattr's `\ooo` escapes and decode the bytes as UTF-8. Input is a latin1 (byte-per-char) string. */
function unescapeName(s: string): string {
  const bytes = s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

/** Escape every byte that is not plainly safe in setfattr's restore format as `\ooo`. */
export function escapeName(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const safe = (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || '._-/+@,:'.includes(String.fromCharCode(b));
    out += safe ? String.fromCharCode(b) : '\\' + b.toString(8).padStart(3, '0');
  }
  return out;
}
