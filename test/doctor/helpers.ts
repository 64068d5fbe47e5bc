/**
 * Helpers for the doctor tests: run the real CLI (`node dist/src/cli/main.js doctor`) as root or as one of the
 * test users (setpriv), optionally inside a shell prelude run as root in a private mount namespace (so a bind
 * over /proc/keys or /dev/net/tun never reaches the rest of the machine), with a PATH the test controls.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { testEnv, testEnvFile, type TestUserInfo } from '../helpers/env.js';

export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
export const MAIN = path.join(REPO, 'dist/src/cli/main.js');
/** A user's PATH as Debian's login gives it (no sbin), plus what the tests need explicitly. */
export const USER_PATH = '/usr/local/bin:/usr/bin:/bin';
export const ROOT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export type UserKey = 'rootless' | 'narrow' | 'noSubid';

/**
 * The test users from .test-env/env.json (scripts/test-setup.sh); without that file, from scripts/test-users.sh
 * itself (idempotent: it only adds what is missing), so these tests also run on their own.
 */
export function testUser(key: UserKey): TestUserInfo {
  if (existsSync(testEnvFile())) return testEnv().users[key];
  usersFromScript ??= JSON.parse(execFileSync('bash', [path.join(REPO, 'scripts/test-users.sh')], { encoding: 'utf8' })) as Record<UserKey, TestUserInfo>;
  const u = usersFromScript[key];
  if (typeof u?.uid !== 'number' || typeof u.home !== 'string') throw new Error(`scripts/test-users.sh gave no ${key} user`);
  return u;
}
let usersFromScript: Record<UserKey, TestUserInfo> | undefined;

export interface Doctor { code: number; stdout: string; stderr: string; lines: string[] }

export interface DoctorRun {
  /** Global flags, placed after `doctor`. */
  readonly args?: readonly string[];
  /** Run as this user (setpriv); default root. */
  readonly user?: TestUserInfo;
  readonly path?: string;
  /** Shell commands run first (as root unless `wrap` changes who), then the CLI is exec'd. */
  readonly prelude?: string;
  /** Argv words the whole run goes under, e.g. ['unshare', '--mount'] (a private mount namespace for the prelude). */
  readonly wrap?: readonly string[];
  /** Argv words between the user switch and node, e.g. rootlesskit and its flags. */
  readonly within?: readonly string[];
}

const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

export function runDoctor(opts: DoctorRun = {}): Promise<Doctor> {
  const u = opts.user;
  const env = ['env', '-i', `HOME=${u?.home ?? '/root'}`, `PATH=${opts.path ?? (u ? USER_PATH : ROOT_PATH)}`, 'LANG=C'];
  const asUser = u ? ['setpriv', `--reuid=${u.uid}`, `--regid=${u.gid}`, '--init-groups'] : [];
  const cmd = [...asUser, ...env, ...(opts.within ?? []), process.execPath, MAIN, 'doctor', ...(opts.args ?? [])];
  const script = opts.prelude !== undefined ? ['sh', '-ec', `${opts.prelude}\nexec ${cmd.map(q).join(' ')}`] : cmd;
  const argv = [...(opts.wrap ?? []), ...script];
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], cwd: os.tmpdir() });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr, lines: stdout.split('\n').filter((l) => l !== '') }));
  });
}

/** The `PASS|FAIL  NAME: ...` line of a check, and its `  fix: ...` line when one follows. */
export function line(r: Doctor, name: string): { status: string; detail: string; fix?: string } {
  const i = r.lines.findIndex((l) => l.startsWith(`PASS  ${name}: `) || l.startsWith(`FAIL  ${name}: `));
  if (i < 0) throw new Error(`no line for ${name} in:\n${r.stdout}${r.stderr}`);
  const l = r.lines[i]!;
  const next = r.lines[i + 1];
  return { status: l.slice(0, 4), detail: l.slice(6 + name.length + 2), ...(next?.startsWith('  fix: ') ? { fix: next.slice(7) } : {}) };
}

/** A world-readable temp dir (the test users must reach what root made for them). */
export async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `buildctl-doctor-test-${prefix}`));
  await chmod(dir, 0o755);
  return dir;
}

/**
 * A PATH of one dir holding symlinks to every command of ROOT_PATH except EXCLUDE (first one wins, as in
 * PATH lookup): the machine as it would be without those tools.
 */
export async function pathWithout(exclude: readonly string[]): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const dir = await tempDir('path-');
  const seen = new Set(exclude);
  for (const d of ROOT_PATH.split(':')) {
    for (const name of await readdir(d).catch(() => [] as string[])) {
      if (seen.has(name)) continue;
      seen.add(name);
      await symlink(path.join(d, name), path.join(dir, name));
    }
  }
  return { path: dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A dir with a plain copy (no setuid bit) of TOOL, to put ahead of /usr/bin. */
export async function nonSetuidCopy(tool: string): Promise<{ dir: string; file: string; cleanup: () => Promise<void> }> {
  const dir = await tempDir('copy-');
  const file = path.join(dir, tool);
  await copyFile(path.join('/usr/bin', tool), file);
  await chmod(file, 0o755);
  return { dir, file, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
