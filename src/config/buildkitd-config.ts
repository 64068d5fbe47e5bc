/**
 * Read buildkitd.toml (`--config FILE`, also through BUILDKITD_FLAGS) into typed settings. Unknown keys are
 * ignored as buildkitd ignores them; a value of the wrong type, unreadable TOML, or a CA/keypair file that
 * cannot be read is a one-line FlagError naming the file and the key. Certificate files are read here, once,
 * so a bad path fails before the build starts rather than at the first pull.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse, TomlError } from 'smol-toml';
import { FlagError, isErrno } from '../errors.js';
import { BuildkitdConfigCheck, tomlKey, type BuildkitdConfigFile, type RegistrySection } from './buildkitd-schema.js';

/** A `[registry."host"]` section with its certificate files read. */
export interface RegistrySettings {
  /** The section name as written: `127.0.0.1:5000`, `docker.io`. */
  host: string;
  section: RegistrySection;
  /** PEM text of each CA (from `ca` and `tlsconfigdir/*.crt`). */
  ca: string[];
  /** PEM client certificate and key (from `keypair` and `tlsconfigdir/NAME.cert` + `NAME.key`). */
  keypairs: { cert: string; key: string }[];
}

export interface BuildkitdConfig {
  /** Absolute path of the file, named in every message about a setting from it. */
  readonly path: string;
  readonly file: BuildkitdConfigFile;
  readonly registries: ReadonlyMap<string, RegistrySettings>;
}

const SNAPSHOTTERS = ['auto', 'overlayfs', 'native'];
const cache = new Map<string, BuildkitdConfig>();

/** Load and check `file` (absolute). Cached per path: the CLI and the build both ask. */
export function loadBuildkitdConfig(file: string): BuildkitdConfig {
  const hit = cache.get(file);
  if (hit !== undefined) return hit;
  const config = parseBuildkitdConfig(file, readText(file, file, '--config'));
  cache.set(file, config);
  return config;
}

/** Parse TOML text as buildkitd.toml; `file` is the name used in messages and the base of relative paths. */
export function parseBuildkitdConfig(file: string, text: string): BuildkitdConfig {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    if (!(e instanceof TomlError)) throw e;
    const first = e.message.split('\n')[0]?.replace(/^Invalid TOML document: /, '') ?? 'invalid TOML';
    throw new FlagError(`${file}:${e.line}: invalid TOML: ${first}`);
  }
  if (!BuildkitdConfigCheck.Check(doc)) {
    const err = BuildkitdConfigCheck.Errors(doc).First();
    throw new FlagError(`${file}: ${err === undefined ? 'unexpected shape' : `${tomlKey(err.path)}: ${err.message.toLowerCase()}`}`);
  }
  const snapshotter = doc.worker?.oci?.snapshotter;
  if (snapshotter !== undefined && !SNAPSHOTTERS.includes(snapshotter)) {
    throw new FlagError(`${file}: worker.oci.snapshotter = "${snapshotter}" is not supported (${SNAPSHOTTERS.join(', ')})`);
  }
  const registries = new Map<string, RegistrySettings>();
  for (const [host, section] of Object.entries(doc.registry ?? {})) {
    registries.set(host, readRegistrySettings({ file, host, section }));
  }
  return { path: file, file: doc, registries };
}

function readRegistrySettings(o: { file: string; host: string; section: RegistrySection }): RegistrySettings {
  const { file, host, section } = o;
  const key = (k: string, i: number): string => `registry.${JSON.stringify(host)}.${k}[${i}]`;
  const ca = (section.ca ?? []).map((p, i) => readText(file, p, key('ca', i)));
  const keypairs = (section.keypair ?? []).map((kp, i) => ({
    cert: readText(file, kp.cert, `${key('keypair', i)}.cert`),
    key: readText(file, kp.key, `${key('keypair', i)}.key`),
  }));
  for (const [i, dir] of (section.tlsconfigdir ?? []).entries()) {
    const abs = path.resolve(path.dirname(file), dir);
    let names: string[];
    try {
      names = readdirSync(abs).sort();
    } catch (e) {
      // buildkitd skips a missing or unreadable directory (util/resolver loadTLSConfig).
      if (isErrno(e, 'ENOENT') || isErrno(e, 'EACCES')) continue;
      throw e;
    }
    for (const n of names) {
      if (n.endsWith('.crt')) ca.push(readText(file, path.join(abs, n), key('tlsconfigdir', i)));
      if (n.endsWith('.cert')) {
        keypairs.push({
          cert: readText(file, path.join(abs, n), key('tlsconfigdir', i)),
          key: readText(file, path.join(abs, n.slice(0, -'.cert'.length) + '.key'), key('tlsconfigdir', i)),
        });
      }
    }
  }
  return { host, section, ca, keypairs };
}

/** Read a file named by the config (relative to the config's directory). Errors name the key, never the content. */
function readText(configFile: string, p: string, key: string): string {
  const abs = path.resolve(path.dirname(configFile), p);
  try {
    return readFileSync(abs, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    const why = code === 'ENOENT' ? 'file does not exist' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : code;
    if (key === '--config') throw new FlagError(`--config ${abs}: ${why}`);
    throw new FlagError(`${configFile}: ${key}: cannot read ${abs}: ${why}`);
  }
}
