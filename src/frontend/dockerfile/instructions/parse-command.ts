/** One parser node -> one typed command, with BuildKit's argument-count rules and error texts. */
import { DockerfileError, type SourceLocation } from '../../../errors.js';
import type { Node } from '../parser/index.js';
import { parseFlags, type FlagSpec } from './flags.js';
import { parseGoDuration } from './duration.js';
import type { Command, KeyValue } from './types.js';

const FLAGS: Readonly<Record<string, FlagSpec>> = {
  from: { platform: 'string' },
  run: { mount: 'strings', network: 'string', security: 'string' },
  copy: { from: 'string', chown: 'string', chmod: 'string', link: 'bool', parents: 'bool', exclude: 'strings' },
  add: { chown: 'string', chmod: 'string', link: 'bool', checksum: 'string', 'keep-git-dir': 'bool', exclude: 'strings', parents: 'bool' },
  healthcheck: { interval: 'string', timeout: 'string', 'start-period': 'string', 'start-interval': 'string', retries: 'string' },
};

export function parseCommand(node: Node, file: string): Command {
  const location: SourceLocation = { file, line: node.startLine, text: node.original };
  const fail = (msg: string): never => { throw new DockerfileError(msg, { location }); };
  const name = node.keyword.toUpperCase();
  const flags = parseFlags(name, node.flags, FLAGS[node.keyword] ?? {}, location);
  const base = { location, original: node.original };
  const args = node.args;
  const exactlyOne = (): string => (args.length === 1 ? args[0]! : fail(`${name} requires exactly one argument`));
  const atLeastOne = (): void => { if (args.length === 0) fail(`${name} requires at least one argument`); };
  const pairs = (): KeyValue[] => {
    atLeastOne();
    const out: KeyValue[] = [];
    for (let i = 0; i + 1 < args.length; i += 3) out.push({ key: args[i]!, value: args[i + 1]!, ...(args[i + 2] === '' ? { noDelim: true } : {}) });
    return out;
  };

  switch (node.keyword) {
    case 'from': {
      if (args.length !== 1 && !(args.length === 3 && args[1]!.toLowerCase() === 'as')) fail('FROM requires either one or three arguments');
      const stageName = args.length === 3 ? args[2]!.toLowerCase() : undefined;
      if (stageName !== undefined && !/^[a-z][a-z0-9-_.]*$/.test(stageName)) fail(`invalid name for build stage: "${args[2]}", name can't start with a number or contain symbols`);
      const platform = flags.string('platform');
      return { ...base, kind: 'from', base: args[0]!, ...(stageName ? { stageName } : {}), ...(platform ? { platform } : {}) };
    }
    case 'run': {
      atLeastOne();
      const network = flags.string('network');
      const security = flags.string('security');
      return { ...base, kind: 'run', args, prependShell: !node.json, heredocs: node.heredocs, mounts: flags.strings('mount'),
        ...(network !== undefined ? { network } : {}), ...(security !== undefined ? { security } : {}) };
    }
    case 'copy':
    case 'add': {
      if (args.length < 2 && !(args.length === 1 && node.heredocs.length > 0)) {
        fail(args.length === 0 ? `${name} requires at least two arguments` : `${name} requires at least two arguments, but only one was provided. Destination could not be determined`);
      }
      const from = node.keyword === 'copy' ? flags.string('from') : undefined;
      const chown = flags.string('chown');
      const chmod = flags.string('chmod');
      const checksum = node.keyword === 'add' ? flags.string('checksum') : undefined;
      return { ...base, kind: node.keyword, sources: args.slice(0, -1), dest: args[args.length - 1]!, heredocs: node.heredocs,
        ...(from !== undefined ? { from } : {}), ...(chown !== undefined ? { chown } : {}), ...(chmod !== undefined ? { chmod } : {}),
        ...(checksum !== undefined ? { checksum } : {}),
        link: flags.bool('link'), parents: flags.bool('parents'), excludes: flags.strings('exclude'), keepGitDir: flags.bool('keep-git-dir') };
    }
    case 'env':
      return { ...base, kind: 'env', pairs: pairs() };
    case 'label':
      return { ...base, kind: 'label', pairs: pairs() };
    case 'arg': {
      atLeastOne();
      return { ...base, kind: 'arg', args: args.map((a) => {
        const eq = a.indexOf('=');
        return eq < 0 ? { key: a } : { key: a.slice(0, eq), value: a.slice(eq + 1) };
      }) };
    }
    case 'workdir':
      return { ...base, kind: 'workdir', path: exactlyOne() };
    case 'user':
      return { ...base, kind: 'user', user: exactlyOne() };
    case 'maintainer':
      return { ...base, kind: 'maintainer', maintainer: exactlyOne() };
    case 'stopsignal':
      return { ...base, kind: 'stopsignal', signal: exactlyOne() };
    case 'cmd':
    case 'entrypoint':
      return { ...base, kind: node.keyword, args, prependShell: !node.json && args.length > 0 };
    case 'expose':
      atLeastOne();
      return { ...base, kind: 'expose', ports: args };
    case 'volume':
      atLeastOne();
      return { ...base, kind: 'volume', volumes: args };
    case 'shell':
      if (!node.json) fail('SHELL requires the arguments to be in JSON form');
      atLeastOne();
      return { ...base, kind: 'shell', shell: args };
    case 'onbuild': {
      if (!node.onbuild) fail('ONBUILD requires at least one argument');
      const inner = node.onbuild!.keyword;
      if (inner === 'onbuild') fail('Chaining ONBUILD via `ONBUILD ONBUILD` isn\'t allowed');
      if (inner === 'from' || inner === 'maintainer') fail(`${inner.toUpperCase()} isn't allowed as an ONBUILD trigger`);
      const expression = node.original.replace(/^\s*onbuild\s+/i, '');
      return { ...base, kind: 'onbuild', expression };
    }
    case 'healthcheck': {
      atLeastOne();
      const type = args[0]!.toUpperCase();
      if (type === 'NONE') {
        if (args.length > 1) fail('HEALTHCHECK NONE takes no arguments');
        return { ...base, kind: 'healthcheck', test: ['NONE'] };
      }
      if (type !== 'CMD') fail(`Unknown type "${type}" in HEALTHCHECK (try CMD)`);
      const rest = args.slice(1);
      if (rest.length === 0) fail('Missing command after HEALTHCHECK CMD');
      const test = node.json ? ['CMD', ...rest] : ['CMD-SHELL', rest.join(' ')];
      const opt = (k: string, field: string): Record<string, number> => {
        const v = flags.string(k);
        if (v === undefined || v === '') return {};
        const ns = parseGoDuration(v);
        if (ns === undefined) return fail(`time: invalid duration ${JSON.stringify(v)}`);
        if (ns === 0) return {};
        if (ns < 1e6) return fail(`Interval "${k}" cannot be less than 1ms`);
        return { [field]: ns };
      };
      const retriesFlag = flags.string('retries');
      let retries: Record<string, number> = {};
      if (retriesFlag !== undefined && retriesFlag !== '') {
        if (!/^[+-]?[0-9]+$/.test(retriesFlag)) fail(`strconv.ParseInt: parsing ${JSON.stringify(retriesFlag)}: invalid syntax`);
        const n = Number(retriesFlag);
        if (n < 0) fail(`--retries cannot be negative (${n})`);
        if (n !== 0) retries = { retries: n };
      }
      return { ...base, kind: 'healthcheck', test, ...opt('interval', 'interval'), ...opt('timeout', 'timeout'), ...opt('start-period', 'startPeriod'),
        ...opt('start-interval', 'startInterval'), ...retries };
    }
    default:
      return fail(`unknown instruction: ${node.original.trim().split(/\s+/)[0] ?? node.keyword}`);
  }
}
