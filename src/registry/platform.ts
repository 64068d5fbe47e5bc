/**
 * Picking a manifest out of an index, like containerd's default platform matcher: os and architecture must
 * match (after normalisation: x86_64 -> amd64, aarch64 -> arm64, ...); the variant must match when asked for
 * (arm64's implicit variant is v8). The first matching entry wins, as in containerd's `Only(p).Match` + sort.
 */
import type { Descriptor } from '../oci/schemas.js';

export interface PlatformSpec {
  os: string;
  architecture: string;
  variant?: string | undefined;
}

export const DEFAULT_PLATFORM: PlatformSpec = { os: 'linux', architecture: 'amd64' };

/** containerd platforms.Normalize, reduced to what manifest lists contain. */
export function normalizePlatform(p: PlatformSpec): PlatformSpec {
  const os = p.os.toLowerCase() === 'macos' ? 'darwin' : p.os.toLowerCase();
  let arch = p.architecture.toLowerCase();
  let variant = p.variant?.toLowerCase();
  switch (arch) {
    case 'i386': arch = '386'; variant = undefined; break;
    case 'x86_64': case 'x86-64': case 'amd64': arch = 'amd64'; if (variant === 'v1') variant = undefined; break;
    case 'aarch64': case 'arm64': arch = 'arm64'; if (variant === '8' || variant === 'v8') variant = undefined; break;
    case 'armhf': arch = 'arm'; variant = 'v7'; break;
    case 'armel': arch = 'arm'; variant = 'v6'; break;
    case 'arm': if (variant === undefined || variant === '' || variant === '7') variant = 'v7'; else if (/^[5-8]$/.test(variant)) variant = `v${variant}`; break;
    default: break;
  }
  return { os, architecture: arch, variant: variant === '' ? undefined : variant };
}

/** `linux/arm64/v8`-style display. */
export function formatPlatform(p: PlatformSpec): string {
  return [p.os, p.architecture, p.variant].filter((x) => x !== undefined && x !== '').join('/');
}

/** True when `candidate` (from an index entry) satisfies `wanted`. */
export function platformMatches(wanted: PlatformSpec, candidate: PlatformSpec): boolean {
  const w = normalizePlatform(wanted);
  const c = normalizePlatform(candidate);
  if (w.os !== c.os || w.architecture !== c.architecture) return false;
  return wanted.variant === undefined || wanted.variant === '' || w.variant === c.variant;
}

/** The first index entry for `wanted`, or undefined. Entries without a platform never match. */
export function selectManifest(manifests: readonly Descriptor[], wanted: PlatformSpec): Descriptor | undefined {
  return manifests.find((d) => d.platform !== undefined && platformMatches(wanted, d.platform));
}
