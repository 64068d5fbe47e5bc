/**
 * Tools on PATH: runc (always), rootlesskit (rootless), and the fix for a tool that is missing. A tool that
 * exists in an sbin dir that PATH lacks (runc is /usr/sbin/runc on Debian; a user's PATH has no sbin) is a PATH
 * problem, not a missing package: the build finds tools through PATH, as execvp does.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { SBIN_DIRS, lastLine, probe, which } from './exec.js';
import { fail, pass, type CheckResult, type DoctorContext } from './types.js';

/**
 * The fix for tools not on PATH, given as [tool, Debian package] pairs: add the sbin dir that has a tool, else
 * install its package (one `export PATH` and one `apt-get install` at most).
 */
export function missingToolFix(ctx: DoctorContext, missing: ReadonlyArray<readonly [string, string]>): string {
  const dirs = new Set<string>();
  const pkgs = new Set<string>();
  for (const [tool, pkg] of missing) {
    const dir = SBIN_DIRS.find((d) => existsSync(path.join(d, tool)));
    if (dir !== undefined) dirs.add(dir);
    else pkgs.add(pkg);
  }
  const fixes = [...[...dirs].map((d) => `export PATH="$PATH:${d}"`), ...(pkgs.size > 0 ? [`${ctx.sudo}apt-get install -y ${[...pkgs].join(' ')}`] : [])];
  return fixes.join(' && ');
}

function notOnPath(ctx: DoctorContext, tool: string): string {
  const dir = SBIN_DIRS.find((d) => existsSync(path.join(d, tool)));
  return dir !== undefined ? `${tool} is not on PATH (it is in ${dir})` : `${tool} is not installed (not found on PATH)`;
}

export async function checkRunc(ctx: DoctorContext): Promise<CheckResult> {
  const bin = which('runc', ctx.env['PATH']);
  if (bin === undefined) return fail('runc', notOnPath(ctx, 'runc'), { fix: missingToolFix(ctx, [['runc', 'runc']]) });
  const r = await probe(bin, ['--version'], { env: ctx.env });
  if (r.code !== 0) {
    return fail('runc', `${bin} --version failed: ${lastLine(r.stderr)}`, { fix: `${ctx.sudo}apt-get install --reinstall -y runc` });
  }
  return pass('runc', `${lastLine(r.stdout.split('\n')[0] ?? '', 'runc')} (${bin})`);
}

export function checkRootlesskit(ctx: DoctorContext): CheckResult {
  const bin = which('rootlesskit', ctx.env['PATH']);
  if (bin === undefined) {
    return fail('rootlesskit', notOnPath(ctx, 'rootlesskit'), { fix: missingToolFix(ctx, [['rootlesskit', 'rootlesskit']]) });
  }
  return pass('rootlesskit', bin);
}

/** slirp4netns and what rootlesskit runs to set it up (nsenter, ip): only asked for with --oci-worker-net=slirp4netns. */
export async function checkSlirp4netns(ctx: DoctorContext): Promise<CheckResult> {
  const tools = [['slirp4netns', 'slirp4netns'], ['nsenter', 'util-linux'], ['ip', 'iproute2']] as const;
  const missing = tools.filter(([t]) => which(t, ctx.env['PATH']) === undefined);
  if (missing.length > 0) {
    return fail('slirp4netns', missing.map(([t]) => notOnPath(ctx, t)).join('; '), { fix: missingToolFix(ctx, missing) });
  }
  const bin = which('slirp4netns', ctx.env['PATH'])!;
  const r = await probe(bin, ['--version'], { env: ctx.env });
  const version = r.code === 0 ? (r.stdout.split('\n')[0] ?? '').trim() : 'slirp4netns';
  return pass('slirp4netns', `${version} (${bin}); nsenter and ip on PATH`);
}
