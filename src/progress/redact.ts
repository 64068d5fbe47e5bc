/**
 * Everything a renderer prints goes through `redact` first (pnpm's redactAndSanitize is the model):
 * 1. terminal escape sequences are removed whole (a build's output cannot move our cursor or retitle the
 *    terminal), then every other control character except \n and \t;
 * 2. registered secret values (--secret, registry passwords and tokens) are masked as "***";
 * 3. credentials inside URLs (scheme://user:PASSWORD@host) and Authorization header values are masked.
 */
const MASK = '***';
/** Shorter values are not masked: masking "a" or "1" everywhere would garble all output and protect nothing. */
export const MIN_SECRET_LENGTH = 4;

const secrets = new Set<string>();
let secretPattern: RegExp | undefined;

/** Register a value that must never be printed. Idempotent; values shorter than MIN_SECRET_LENGTH are ignored. */
export function registerSecret(value: string): void {
  for (const v of new Set([value, value.trim()])) {
    if (v.length < MIN_SECRET_LENGTH || secrets.has(v)) continue;
    secrets.add(v);
    secretPattern = undefined;
  }
}

/** Forget all registered secrets (tests; a process runs one build). */
export function clearSecrets(): void {
  secrets.clear();
  secretPattern = undefined;
}

// CSI (ESC [ ... final), OSC (ESC ] ... BEL or ESC \), and two-character ESC sequences.
const ESCAPES = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]?/g;
// C0 except \t (09) and \n (0a), DEL, C1.
const CONTROLS = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;
const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^\s:@/]+:)[^\s@/]+@/gi;
const AUTH_HEADER = /(\bauthorization\s*[:=]\s*"?(?:bearer|basic|token)\s+)[^\s"]+/gi;

export function redact(s: string): string {
  let out = s.replace(ESCAPES, '').replace(CONTROLS, '');
  if (secrets.size > 0) out = out.replace(secretRegExp(), MASK);
  return out.replace(URL_PASSWORD, `$1${MASK}@`).replace(AUTH_HEADER, `$1${MASK}`);
}

function secretRegExp(): RegExp {
  if (secretPattern === undefined) {
    // Longest first, so a secret that contains another is masked whole.
    const alts = [...secrets].sort((a, b) => b.length - a.length).map(escapeRegExp);
    secretPattern = new RegExp(alts.join('|'), 'g');
  }
  return secretPattern;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
