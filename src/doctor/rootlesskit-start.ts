/**
 * Does rootlesskit really start? Runs it the way a rootless build does (`--net=host --copy-up=/etc`, or
 * slirp4netns when asked) around `cat /proc/self/uid_map`, times it, and shows the map it made or its own
 * error line (the `[rootlesskit:parent] error: ...` line, without Go's struct dumps).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { parseIdMap } from '../rootless/privilege.js';
import { probe, which } from './exec.js';
import { fail, pass, type CheckResult, type DoctorContext } from './types.js';

const MAX_DETAIL = 300;

/** rootlesskit's flags for the network mode, as scripts/buildctl-daemonless.sh passes them. */
export function rootlesskitArgs(net: DoctorContext['opts']['net']): string[] {
  return [...(net === 'slirp4netns' ? ['--net=slirp4netns', '--disable-host-loopback'] : ['--net=host']), '--copy-up=/etc'];
}

/** Drop Go's `&{field:value ...}` dumps (balanced braces) from a message. */
function dropStructDumps(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '&' && s[i + 1] === '{') {
      let depth = 0;
      let j = i + 1;
      for (; j < s.length; j++) {
        if (s[j] === '{') depth++;
        else if (s[j] === '}' && --depth === 0) break;
      }
      i = j;
      continue;
    }
    out += s[i];
  }
  return out.replace(/ +:/g, ':').replace(/\s+/g, ' ').trim();
}

/** rootlesskit's error as one line: its parent's (else child's) error line, plus what the tools it ran printed. */
export function rootlesskitError(stderr: string): string {
  // A message with a newline in it (newuidmap's output, then ": exit status 1") goes on as a line starting with ':'.
  const lines = stderr.replace(/\n(?=:)/g, '').split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const prefix = /^\[rootlesskit:(parent|child ?)\] error: /;
  const own = lines.find((l) => l.startsWith('[rootlesskit:parent] error: ')) ?? lines.find((l) => prefix.test(l));
  // logrus lines (`time=... level=warning msg="..."`) are shown as their message.
  const others = lines.filter((l) => !l.startsWith('[rootlesskit:'))
    .map((l) => /^time="[^"]*" level=\w+ msg="(.*)"$/.exec(l)?.[1] ?? l)
    .filter((l) => !/as the root user is unsupported/.test(l));
  const msg = own !== undefined ? dropStructDumps(own.replace(prefix, '')) : (others.pop() ?? 'no message');
  const full = others.length > 0 ? `${msg} (${others.join('; ')})` : msg;
  return full.length > MAX_DETAIL ? `${full.slice(0, MAX_DETAIL - 3)}...` : full;
}

/** "0->1001, 1-65536->100000-165535" from a uid_map. */
export function describeMap(text: string): string {
  return parseIdMap(text).map((r) => {
    const inside = r.count === 1 ? `${r.inside}` : `${r.inside}-${r.inside + r.count - 1}`;
    const outside = r.count === 1 ? `${r.outside}` : `${r.outside}-${r.outside + r.count - 1}`;
    return `${inside}->${outside}`;
  }).join(', ');
}

/** Which earlier check explains a rootlesskit error, by the words rootlesskit (or the tool it ran) used. */
const CAUSES: ReadonlyArray<readonly [RegExp, readonly string[]]> = [
  [/max_user_namespaces|no space left on device/i, ['max_user_namespaces']],
  [/unprivileged_userns_clone/i, ['unprivileged_userns_clone']],
  [/newuidmap|newgidmap|uid_map|gid_map/i, ['newuidmap', 'newgidmap']],
  [/sub[ug]id|UID\/GID map/i, ['subuid', 'subgid']],
  [/tun|tap0|slirp4netns|nsenter/i, ['tun', 'slirp4netns']],
];

/** The failed check in PRIOR that explains MESSAGE; else the first fatal one with a fix. */
export function causeOf(message: string, prior: readonly CheckResult[]): CheckResult | undefined {
  const failed = prior.filter((c) => c.fatal && c.fix !== undefined);
  for (const [re, names] of CAUSES) {
    if (!re.test(message)) continue;
    const hit = failed.find((c) => names.includes(c.name));
    if (hit !== undefined) return hit;
  }
  return failed[0];
}

/**
 * PRIOR are the checks already made: the failed one that explains rootlesskit's error gives the fix offered
 * here (a missing subuid range or a non-setuid newuidmap is why rootlesskit cannot start).
 */
export async function checkRootlesskitStarts(ctx: DoctorContext, opts: { base: string; prior: readonly CheckResult[] }): Promise<CheckResult> {
  const name = 'rootlesskit-start';
  const bin = which('rootlesskit', ctx.env['PATH']);
  const cause = causeOf('', opts.prior);
  if (bin === undefined) return fail(name, 'rootlesskit is not installed', cause?.fix !== undefined ? { fix: cause.fix } : {});
  let tmp: string;
  try {
    tmp = await mkdtemp(path.join(opts.base, 'buildctl-doctor-'));
  } catch (e) {
    return fail(name, `cannot make a state dir for rootlesskit in ${opts.base}: ${(e as Error).message}`, cause?.fix !== undefined ? { fix: cause.fix } : {});
  }
  const args = rootlesskitArgs(ctx.opts.net);
  try {
    const r = await probe(bin, [...args, `--state-dir=${path.join(tmp, 'rootlesskit')}`, 'cat', '/proc/self/uid_map'], { env: ctx.env, cwd: tmp });
    const ms = Math.round(r.ms);
    if (r.code === 0) return pass(name, `started and exited in ${ms} ms (${args.join(' ')}); uid map ${describeMap(r.stdout)}`);
    const message = rootlesskitError(r.stderr);
    const fix = causeOf(message, opts.prior)?.fix ?? `rootlesskit --debug ${args.join(' ')} true   # shows every step`;
    return fail(name, `rootlesskit ${args.join(' ')} failed after ${ms} ms: ${message}`, { fix });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
