/**
 * ARG scoping as BuildKit does it: global ARGs (before the first FROM) are visible in FROM lines; inside a
 * stage an ARG must be declared again to be visible; --opt build-arg:K=V overrides a declared default.
 * Predefined platform ARGs are global; proxy ARGs are usable without being declared.
 */
import type { EnvLookup } from '../shell/index.js';
import { envFromList } from '../shell/index.js';

export const BUILD_PLATFORM = { os: 'linux', architecture: 'amd64' } as const;

export const PROXY_ARGS = ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'FTP_PROXY', 'ftp_proxy', 'NO_PROXY', 'no_proxy', 'ALL_PROXY', 'all_proxy'];

/** The platform ARGs BuildKit defines in the global scope (defaultArgs), plus TARGETSTAGE when a target is known. */
export function platformArgs(target = BUILD_PLATFORM as { os: string; architecture: string; variant?: string }, targetStage?: string): Map<string, string> {
  const fmt = (p: { os: string; architecture: string; variant?: string }): string => `${p.os}/${p.architecture}${p.variant ? '/' + p.variant : ''}`;
  return new Map([
    ['BUILDPLATFORM', fmt(BUILD_PLATFORM)], ['BUILDOS', BUILD_PLATFORM.os], ['BUILDARCH', BUILD_PLATFORM.architecture], ['BUILDVARIANT', ''],
    ['TARGETPLATFORM', fmt(target)], ['TARGETOS', target.os], ['TARGETARCH', target.architecture], ['TARGETVARIANT', target.variant ?? ''],
    ...(targetStage !== undefined ? [['TARGETSTAGE', targetStage] as [string, string]] : []),
  ]);
}

/** An ordered set of declared ARGs with their current values (undefined = declared without a value). */
export class ArgScope {
  private readonly values = new Map<string, string | undefined>();
  constructor(private readonly buildArgs: ReadonlyMap<string, string>) {}

  /** Declare `ARG key[=default]`; a build-arg wins over the default; `inherited` is the global ARG's value. */
  declare(key: string, defaultValue: string | undefined, inherited?: string): void {
    const fromCli = this.buildArgs.get(key);
    this.values.set(key, fromCli ?? defaultValue ?? inherited);
  }

  set(key: string, value: string): void {
    this.values.set(key, value);
  }

  /** Every declared key, with or without a value. */
  keys(): string[] {
    return [...this.values.keys()];
  }

  has(key: string): boolean {
    return this.values.has(key);
  }

  get(key: string): string | undefined {
    return this.values.get(key);
  }

  /** K=V for every declared ARG that has a value, in declaration order. */
  entries(): [string, string][] {
    return [...this.values].filter((e): e is [string, string] => e[1] !== undefined);
  }

  clone(): ArgScope {
    const c = new ArgScope(this.buildArgs);
    for (const [k, v] of this.values) c.values.set(k, v);
    return c;
  }
}

/** Expansion environment: ARGs first, then the image's ENV, so ENV overrides an ARG of the same name. */
export function expansionEnv(args: ArgScope, env: readonly string[]): EnvLookup {
  return envFromList([...args.entries().map(([k, v]) => `${k}=${v}`), ...env]);
}
