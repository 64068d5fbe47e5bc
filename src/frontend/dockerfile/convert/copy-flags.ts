/** COPY/ADD flag values checked as BuildKit's dockerfile2llb checks them (convert_copy.go), before any op is made. */
import { DockerfileError, type SourceLocation } from '../../../errors.js';
import { ModeSyntaxError, parseModeSpec } from '../../../fileop/mode-set.js';

/** --chmod as the copy action takes it: octal bits in `mode`, anything else (validated) in `modeStr`. */
export function parseChmodFlag(value: string, location: SourceLocation): { mode?: number; modeStr?: string } {
  try {
    const spec = parseModeSpec(value);
    return spec.numeric !== undefined ? { mode: spec.numeric } : { modeStr: value };
  } catch (e) {
    if (e instanceof ModeSyntaxError) throw new DockerfileError(e.message, { location });
    throw e;
  }
}

/**
 * `--link` copies onto scratch, where no /etc/passwd exists: only numeric ids (and "root") can be used, as
 * BuildKit rejects at parse time since moby/buildkit#7134 (before, the solve failed with "invalid user index: -1").
 */
export function checkLinkChown(chown: string, location: SourceLocation): void {
  const named = chown.split(':').some((part) => part !== '' && part !== 'root' && !/^[0-9]+$/.test(part));
  if (named) {
    throw new DockerfileError(`--chown=${chown} cannot be used with --link: a linked copy is made on scratch, which has no /etc/passwd or /etc/group; use numeric ids (--chown=UID[:GID])`, { location });
  }
}

/** ADD --checksum: only for one HTTP(S) or git source (BuildKit's messages). */
export function checkChecksumFlag(o: { checksum: string; sources: readonly string[]; isRemote: (s: string) => boolean; location: SourceLocation }): void {
  if (o.sources.length !== 1) throw new DockerfileError('checksum can\'t be specified for multiple sources', { location: o.location });
  if (!o.isRemote(o.sources[0]!)) throw new DockerfileError('checksum requires HTTP(S) or Git sources', { location: o.location });
}
