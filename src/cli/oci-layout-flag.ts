/** --oci-layout NAME=DIR (repeatable, buildctl's flag): an OCI image layout directory named for `oci-layout://NAME` contexts. */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { FlagError, isErrno } from '../errors.js';

export function parseOciLayouts(values: readonly string[], cwd: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq <= 0 || eq === v.length - 1) throw new FlagError(`invalid --oci-layout "${v}": expected NAME=DIR`, { hint: 'e.g. --oci-layout base=./layout --opt context:alpine=oci-layout://base:latest' });
    const name = v.slice(0, eq);
    const dir = path.resolve(cwd, v.slice(eq + 1));
    if (out.has(name) && out.get(name) !== dir) throw new FlagError(`--oci-layout ${name} given twice (${out.get(name)} and ${dir})`);
    let isDir: boolean;
    try {
      isDir = statSync(dir).isDirectory();
    } catch (e) {
      if (isErrno(e, 'ENOENT') || isErrno(e, 'ENOTDIR')) throw new FlagError(`--oci-layout ${v}: directory ${dir} does not exist`);
      throw e;
    }
    if (!isDir) throw new FlagError(`--oci-layout ${v}: ${dir} is not a directory`);
    if (!existsSync(path.join(dir, 'index.json'))) throw new FlagError(`--oci-layout ${v}: ${dir} is not an OCI layout (no index.json)`);
    out.set(name, dir);
  }
  return out;
}
