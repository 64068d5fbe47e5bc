/**
 * The image config a stage builds up while it is converted, and the history entries BuildKit writes for it
 * (created_by strings, comment "buildkit.dockerfile.v0", empty_layer for config-only instructions).
 */
import type { ContainerConfig, History, ImageConfig } from '../../../oci/schemas.js';

export const DEFAULT_PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const HISTORY_COMMENT = 'buildkit.dockerfile.v0';

/** The config BuildKit gives `FROM scratch`. */
export function emptyImage(platform: { os: string; architecture: string }): ImageConfig {
  return {
    architecture: platform.architecture,
    os: platform.os,
    config: { Env: [DEFAULT_PATH_ENV], WorkingDir: '/' },
    rootfs: { type: 'layers', diff_ids: [] },
    history: [],
  };
}

export function cloneImage(img: ImageConfig): ImageConfig {
  return structuredClone(img);
}

export function containerConfig(img: ImageConfig): ContainerConfig {
  img.config ??= {};
  return img.config;
}

/** Set or replace KEY in an Env list, keeping order (Docker semantics). */
export function setEnv(env: string[], key: string, value: string): string[] {
  const out = env.filter((e) => e.split('=', 1)[0] !== key);
  const idx = env.findIndex((e) => e.split('=', 1)[0] === key);
  const entry = `${key}=${value}`;
  if (idx < 0) return [...out, entry];
  out.splice(idx, 0, entry);
  return out;
}

export function getEnv(env: readonly string[], key: string): string | undefined {
  for (let i = env.length - 1; i >= 0; i--) {
    const e = env[i]!;
    const eq = e.indexOf('=');
    if ((eq < 0 ? e : e.slice(0, eq)) === key) return eq < 0 ? '' : e.slice(eq + 1);
  }
  return undefined;
}

/** `suffix`: append " # buildkit" (BuildKit does for steps that ran LLB; default = withLayer). */
export function addHistory(img: ImageConfig, opts: { createdBy: string; withLayer: boolean; created?: string; suffix?: boolean }): void {
  const h: History = {
    ...(opts.created !== undefined ? { created: opts.created } : {}),
    created_by: (opts.suffix ?? opts.withLayer) ? `${opts.createdBy} # buildkit` : opts.createdBy,
    comment: HISTORY_COMMENT,
    ...(opts.withLayer ? {} : { empty_layer: true }),
  };
  (img.history ??= []).push(h);
}

/** Go's %q of a []string, as BuildKit prints CMD/ENTRYPOINT/SHELL in history: ["a" "b"]. */
export function goStringSlice(list: readonly string[]): string {
  return '[' + list.map((s) => JSON.stringify(s)).join(' ') + ']';
}
