/**
 * `FROM --platform=...`: containerd's platforms.Parse + Normalize for the forms Dockerfiles use. This builder
 * runs linux/amd64 steps only and has no emulation: any other platform is refused with a clear error (BuildKit
 * would pull the other architecture and fail at the first RUN with "exec format error").
 */
import { DockerfileError, type SourceLocation } from '../../../errors.js';

export interface Platform { readonly os: string; readonly architecture: string; readonly variant?: string }

const ARCH_ALIASES: Readonly<Record<string, string>> = {
  x86_64: 'amd64', 'x86-64': 'amd64', amd64: 'amd64', i386: '386', '386': '386', aarch64: 'arm64', arm64: 'arm64', armhf: 'arm', armel: 'arm', arm: 'arm',
};
const KNOWN_OS = new Set(['linux', 'windows', 'darwin', 'freebsd', 'netbsd', 'openbsd', 'solaris', 'illumos', 'aix', 'android', 'ios', 'js', 'wasip1', 'plan9', 'dragonfly']);

export function formatPlatform(p: Platform): string {
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`;
}

/** platforms.Parse: `os`, `arch`, `os/arch`, `os/arch/variant` (case-insensitive), normalized. */
export function parsePlatform(spec: string): Platform | undefined {
  const parts = spec.toLowerCase().split('/');
  if (parts.some((p) => !/^[a-z0-9_-]+$/.test(p)) || parts.length > 3) return undefined;
  let os = 'linux';
  let arch: string | undefined;
  let variant: string | undefined;
  if (parts.length === 1) {
    if (KNOWN_OS.has(parts[0]!)) os = parts[0]!;
    else arch = parts[0]!;
  } else {
    os = parts[0] === 'macos' ? 'darwin' : parts[0]!;
    arch = parts[1];
    variant = parts[2];
  }
  if (arch === undefined) return { os, architecture: 'amd64' };
  const a = ARCH_ALIASES[arch] ?? arch;
  if (a === 'amd64' && (variant === 'v1' || variant === undefined)) variant = undefined;
  if (a === 'arm64' && (variant === 'v8' || variant === undefined)) variant = undefined;
  return { os, architecture: a, ...(variant ? { variant } : {}) };
}

/** The FROM --platform value after expansion, checked against what this builder can run. */
export function checkFromPlatform(value: string, location: SourceLocation): Platform {
  if (value === '') throw new DockerfileError(`empty platform value from expression`, { location });
  const p = parsePlatform(value);
  if (!p) throw new DockerfileError(`failed to parse platform ${value}: "${value}": unknown operating system or architecture: invalid argument`, { location });
  if (p.os !== 'linux' || p.architecture !== 'amd64' || p.variant !== undefined) {
    throw new DockerfileError(`FROM --platform=${value}: this builder builds linux/amd64 only and has no emulation for ${formatPlatform(p)}`, {
      location, hint: 'drop --platform, or use --platform=$BUILDPLATFORM / $TARGETPLATFORM (both linux/amd64 here)',
    });
  }
  return p;
}
