/**
 * Secrets for one RUN (`--mount=type=secret`, BuildKit's secret mounts and secret env): values come from the
 * build's `--secret id=ID,src=FILE|env=VAR` and are read when the RUN starts. A file secret is written, with its
 * mode and owner, into a per-RUN tmpfs (a plain 0700 dir where no tmpfs can be mounted) outside the rootfs and
 * bound read-only at the target, so it never reaches a layer; the dir is removed after the RUN.
 * A missing secret is an error only when the mount says `required`; otherwise the mount (or env var) is skipped.
 * Values are registered with the progress redactor, so a RUN that echoes one prints "***".
 */
import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import type { SecretSpec } from '../../build/request.js';
import { BuildError, isErrno } from '../../errors.js';
import type { ExecMount as LlbMount, SecretEnv } from '../../llb/ops.js';
import { registerSecret } from '../../progress/redact.js';
import type { ExecMount } from '../../runtime/index.js';
import { unmount } from '../../snapshot/index.js';

/** Look a secret up; undefined when the build was given no secret with that id (or its env var is unset). */
export async function secretValue(specs: readonly SecretSpec[], id: string): Promise<Buffer | undefined> {
  const spec = specs.find((s) => s.id === id);
  if (!spec) return undefined;
  let value: Buffer | undefined;
  if (spec.src !== undefined) {
    try {
      value = await readFile(spec.src);
    } catch (e) {
      if (isErrno(e, 'ENOENT')) return undefined;
      throw e;
    }
  } else if (spec.env !== undefined) {
    const v = process.env[spec.env];
    value = v === undefined ? undefined : Buffer.from(v);
  }
  if (value !== undefined) registerSecret(value.toString('utf8'));
  return value;
}

function notFound(id: string): BuildError {
  return new BuildError('BK0040', `secret ${id}: not found`, { hint: `pass it with --secret id=${id},src=FILE or --secret id=${id},env=VAR` });
}

/** KEY=value entries for the secrets exposed as env vars (skipping missing optional ones). */
export async function secretEnvVars(specs: readonly SecretSpec[], envs: readonly SecretEnv[]): Promise<string[]> {
  const out: string[] = [];
  for (const e of envs) {
    const v = await secretValue(specs, e.id);
    if (v === undefined) {
      if (e.optional) continue;
      throw notFound(e.id);
    }
    out.push(`${e.name}=${v.toString('utf8')}`);
  }
  return out;
}

/** Mounts a RUN needs prepared on the host (secret files, ssh agent sockets), and how to remove them again. */
export interface PreparedMounts {
  readonly mounts: ExecMount[];
  cleanup(): Promise<void>;
}

/** Write the secret files of these mounts into a fresh dir under runDir; bind mounts for them. */
export async function secretFiles(specs: readonly SecretSpec[], mounts: readonly LlbMount[], runDir: string): Promise<PreparedMounts> {
  const wanted = mounts.filter((m) => m.type === 'secret');
  if (wanted.length === 0) return { mounts: [], cleanup: async () => {} };
  const values: (Buffer | undefined)[] = [];
  for (const m of wanted) {
    const v = await secretValue(specs, m.secretId ?? '');
    if (v === undefined && !m.optional) throw notFound(m.secretId ?? '');
    values.push(v);
  }
  await mkdir(runDir, { recursive: true });
  const dir = await mkdtemp(path.join(runDir, 'secrets-'));
  await chmod(dir, 0o700);
  const size = values.reduce((n, v) => n + (v?.length ?? 0) + 4096, 4096);
  const tmpfs = await execa('mount', ['-t', 'tmpfs', '-o', `mode=0700,size=${size}`, 'tmpfs', dir], { reject: false });
  const cleanup = async (): Promise<void> => {
    if (tmpfs.exitCode === 0) await unmount(dir);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const out: ExecMount[] = [];
    for (const [i, m] of wanted.entries()) {
      const v = values[i];
      if (v === undefined) continue;
      const file = path.join(dir, String(i));
      await writeFile(file, v, { mode: 0o600 });
      await chown(file, m.uid ?? 0, m.gid ?? 0);
      await chmod(file, m.mode ?? 0o400);
      out.push({ type: 'bind', source: file, destination: m.dest, readonly: true, options: ['nosuid', 'nodev', 'noexec'] });
    }
    return { mounts: out, cleanup };
  } catch (e) {
    await cleanup();
    throw e;
  }
}
