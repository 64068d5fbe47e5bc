/**
 * The build-check runner (BuildKit linter.go): which rules run (`skip=`, `experimental=`), collecting the
 * warnings, and the error a build fails with under `error=true`. Config comes from `# check=...` or, winning
 * over it, `--opt build-arg:BUILDKIT_DOCKERFILE_CHECK=...`.
 */
import { RULES, type LintRule, type RuleName } from './rules.js';

export interface LintConfig {
  readonly skipAll: boolean;
  readonly skip: ReadonlySet<string>;
  readonly experimentalAll: boolean;
  readonly experimental: ReadonlySet<string>;
  readonly error: boolean;
}

export const DEFAULT_LINT_CONFIG: LintConfig = { skipAll: false, skip: new Set(), experimentalAll: false, experimental: new Set(), error: false };

/** A bad `check` value; the message is BuildKit's (`invalid check option "x"`). */
export class LintConfigError extends Error {}

/** BuildKit ParseLintOptions: `skip=A,B|all;error=true;experimental=C|all` (at most 3 parts split on `;`). */
export function parseLintConfig(value: string): LintConfig {
  const s = value.trim();
  if (s === '') return DEFAULT_LINT_CONFIG;
  const parts = splitN(s, ';', 3);
  let skipAll = false;
  let experimentalAll = false;
  let error = false;
  let skip = new Set<string>();
  let experimental = new Set<string>();
  for (const p of parts) {
    const eq = p.indexOf('=');
    if (eq < 0) throw new LintConfigError(`invalid check option ${JSON.stringify(p)}`);
    const k = p.slice(0, eq).trim();
    const v = p.slice(eq + 1).trim();
    if (k === 'skip') {
      if (v === 'all') skipAll = true;
      else skip = new Set(v.split(',').map((r) => r.trim()));
    } else if (k === 'experimental') {
      if (v === 'all') experimentalAll = true;
      else experimental = new Set(v.split(',').map((r) => r.trim()));
    } else if (k === 'error') {
      const b = parseGoBool(v);
      if (b === undefined) throw new LintConfigError(`failed to parse check option ${JSON.stringify(p)}: strconv.ParseBool: parsing ${JSON.stringify(v)}: invalid syntax`);
      error = b;
    } else {
      throw new LintConfigError(`invalid check option ${JSON.stringify(k)}`);
    }
  }
  return { skipAll, skip, experimentalAll, experimental, error };
}

function splitN(s: string, sep: string, n: number): string[] {
  const out: string[] = [];
  let rest = s;
  while (out.length < n - 1) {
    const i = rest.indexOf(sep);
    if (i < 0) break;
    out.push(rest.slice(0, i));
    rest = rest.slice(i + sep.length);
  }
  out.push(rest);
  return out;
}

/** Go strconv.ParseBool. */
export function parseGoBool(v: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  return undefined;
}

export interface LintWarning {
  readonly rule: string;
  readonly description: string;
  readonly url?: string;
  /** The formatted message (BuildKit's "detail"). */
  readonly message: string;
  /** 1-based first and last line; undefined when the warning has no location. */
  readonly startLine?: number;
  readonly endLine?: number;
}

export class Linter {
  readonly warnings: LintWarning[] = [];
  private readonly called: string[] = [];
  private readonly seen = new Set<string>();
  constructor(readonly config: LintConfig = DEFAULT_LINT_CONFIG) {}

  /** Report `rule` at lines [start, end] unless the config turns it off; the same warning twice is kept once. */
  run<A extends unknown[]>(rule: LintRule<A>, lines: { start: number; end: number } | undefined, ...args: A): void {
    if (rule.experimental) {
      if (!this.config.experimentalAll && !this.config.experimental.has(rule.name)) return;
    } else if (this.config.skipAll || this.config.skip.has(rule.name)) {
      return;
    }
    const message = rule.format(...args);
    const key = `${rule.name}\0${message}\0${lines?.start ?? 0}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.called.push(rule.name);
    this.warnings.push({
      rule: rule.name, description: rule.description, message,
      ...(rule.url !== undefined ? { url: rule.url } : {}),
      ...(lines ? { startLine: lines.start, endLine: lines.end } : {}),
    });
  }

  /** `lint violation found for rules: A, B` when error=true and something was reported. */
  error(): string | undefined {
    if (!this.config.error || this.called.length === 0) return undefined;
    return `lint violation found for rules: ${[...new Set(this.called)].join(', ')}`;
  }
}

export { RULES, type RuleName };
