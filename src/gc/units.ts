/**
 * The number formats buildctl prints and reads, as docker/go-units does: HumanSize (decimal, 4 significant
 * digits: "1.235MB"), HumanDuration ("About a minute"), and sizes read with a unit ("10GB", "512MB", "1.5g").
 */
import { FlagError } from '../errors.js';

const SIZE_UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];

/** go-units HumanSize: `%.4g` of the value scaled by 1000, then the unit. */
export function humanSize(bytes: number): string {
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < SIZE_UNITS.length - 1) {
    v /= 1000;
    i++;
  }
  return `${formatG4(v)}${SIZE_UNITS[i]!}`;
}

/** Go's %.4g for 0 <= v < 1000: 4 significant digits, trailing zeros dropped. */
function formatG4(v: number): string {
  const s = v.toPrecision(4);
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

/** go-units HumanDuration. */
export function humanDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 1) return 'Less than a second';
  if (s === 1) return '1 second';
  if (s < 60) return `${s} seconds`;
  const m = Math.floor(s / 60);
  if (m === 1) return 'About a minute';
  if (m < 60) return `${m} minutes`;
  const h = Math.round(s / 3600);
  if (h === 1) return 'About an hour';
  if (h < 48) return `${h} hours`;
  if (h < 24 * 7 * 2) return `${Math.floor(h / 24)} days`;
  if (h < 24 * 30 * 2) return `${Math.floor(h / 24 / 7)} weeks`;
  if (h < 24 * 365 * 2) return `${Math.floor(h / 24 / 30)} months`;
  return `${Math.floor(h / 24 / 365)} years`;
}

const MULT: Record<string, number> = { '': 1, b: 1, k: 1e3, kb: 1e3, m: 1e6, mb: 1e6, g: 1e9, gb: 1e9, t: 1e12, tb: 1e12, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4 };

/**
 * A byte count: "10GB", "512MB", "1.5g", "1048576". A bare number is taken in `bareUnit` bytes (buildctl's
 * --keep-storage and buildkitd's gckeepstorage count a bare number in MB).
 */
export function parseBytes(text: string, what: string, bareUnit = 1): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  const mult = m ? MULT[m[2]!.toLowerCase()] : undefined;
  if (!m || mult === undefined) throw new FlagError(`${what}: "${text}" is not a size (e.g. 512MB, 10GB)`);
  return Math.floor(Number(m[1]) * (m[2] === '' ? bareUnit : mult));
}

/** A Go duration: "48h", "1h30m", "90s", "500ms". */
export function parseDuration(text: string, what: string): number {
  const re = /(\d+(?:\.\d+)?)(ms|h|m|s)/gy;
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let end = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    total += Number(m[1]) * unit[m[2]!]!;
    end = re.lastIndex;
  }
  if (text === '' || end !== text.length) throw new FlagError(`${what}: "${text}" is not a duration (e.g. 48h, 30m)`);
  return total;
}
