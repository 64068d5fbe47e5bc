/**
 * --output / -o: one CSV value per flag, as buildctl takes it (`type=local,dest=out`,
 * `type=image,"name=a,b",push=true`), into a typed OutputSpec. Keys per type follow BuildKit's exporters;
 * `type=registry` is `type=image,push=true`.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { Type } from '@sinclair/typebox';
import type { ImageArchiveOutput, ImageOutput, OutputSpec } from '../build/request.js';
import { FlagError, isErrno } from '../errors.js';
import type { Compression } from '../oci/media-types.js';
import { suggest } from './suggest.js';
import { Attr, BoolAttr, EnumAttr, TextAttr, attrBool, checkAttrs, type AttrRules } from './attrs.js';
import { parseCsvAttrs } from './csv.js';
import { ANNOTATION_PREFIXES, parseAnnotationAttrs } from './annotation-attrs.js';
import { checkImageNames } from './image-name-attrs.js';
import { parseSourceDateEpoch } from '../output/source-date-epoch.js';

export interface OutputEnv {
  /** Relative dest paths are resolved against this. */
  readonly cwd: string;
  /** dest=- (or no dest) for a tar stream is refused when stdout is a terminal, as buildctl does. */
  readonly stdoutIsTTY: boolean;
}

const TYPES = ['local', 'tar', 'oci', 'docker', 'image', 'registry'] as const;
const COMPRESSION = EnumAttr(['gzip', 'zstd', 'uncompressed'], ' (estargz is not supported)');
const IMAGE_COMMON = {
  name: TextAttr('image names, comma-separated'),
  compression: COMPRESSION,
  'compression-level': Attr('^[0-9]{1,2}$', 'an integer level (gzip 0-9, zstd 0-22)'),
  'force-compression': BoolAttr(),
  'oci-mediatypes': BoolAttr(),
  'rewrite-timestamp': BoolAttr(),
  'source-date-epoch': Attr('^[+-]?[0-9]{1,12}$', 'seconds since 1970-01-01 (SOURCE_DATE_EPOCH)'),
};
const ANNOTATIONS = ANNOTATION_PREFIXES;

const RULES: Record<'local' | 'tar' | 'archive' | 'image', AttrRules> = {
  local: { schema: Type.Object({ dest: TextAttr('a directory') }) },
  tar: { schema: Type.Object({ dest: TextAttr('a file or -') }) },
  archive: { schema: Type.Object({ dest: TextAttr('a file, a directory with tar=false, or -'), tar: BoolAttr(), ...IMAGE_COMMON }), prefixes: ANNOTATIONS },
  image: {
    schema: Type.Object({
      ...IMAGE_COMMON,
      push: BoolAttr(),
      'push-by-digest': BoolAttr(),
      'name-canonical': BoolAttr(),
      'dangling-name-prefix': TextAttr('a name prefix'),
      'registry.insecure': BoolAttr(),
      unpack: BoolAttr(),
      store: BoolAttr(),
    }),
    prefixes: ANNOTATIONS,
  },
};

export function parseOutput(value: string, env: OutputEnv): OutputSpec {
  const attrs = parseCsvAttrs(value, '--output');
  const type = attrs.get('type');
  attrs.delete('type');
  if (type === undefined || type === '') {
    throw new FlagError(`--output ${value}: missing type=<type>`, { hint: `types: ${TYPES.join(', ')}` });
  }
  const output = attrs.get('output');
  if (output !== undefined) throw new FlagError(`output=${output} is not supported in --output, did you mean dest=${output}?`);
  const what = `--output type=${type}`;
  switch (type) {
    case 'local': {
      checkAttrs(attrs, RULES.local, what);
      const dest = attrs.get('dest');
      if (dest === undefined) throw new FlagError(`${what} needs dest=DIR, the directory to write the result to`);
      if (dest === '-') throw new FlagError(`${what} writes a directory and cannot write to stdout (dest=-)`, { hint: 'use type=tar,dest=- for a tar stream' });
      return { type: 'local', dest: path.resolve(env.cwd, dest) };
    }
    case 'tar':
      checkAttrs(attrs, RULES.tar, what);
      return { type: 'tar', dest: streamDest(attrs.get('dest'), env, what) };
    case 'oci':
    case 'docker':
      checkAttrs(attrs, RULES.archive, what);
      return archiveOutput(type, attrs, env);
    case 'image':
    case 'registry':
      checkAttrs(attrs, RULES.image, what);
      return imageOutput(attrs, type === 'registry');
    case 'cacheonly':
      throw new FlagError('--output type=cacheonly is not supported: a build without --output already only fills the cache');
    default: {
      const guess = suggest(type, TYPES);
      throw new FlagError(`unknown --output type "${type}"${guess !== undefined ? ` (did you mean "${guess}"?)` : ''}`, { hint: `types: ${TYPES.join(', ')}` });
    }
  }
}

function archiveOutput(type: 'oci' | 'docker', attrs: ReadonlyMap<string, string>, env: OutputEnv): ImageArchiveOutput {
  const tar = attrBool(attrs, 'tar', true);
  const what = `--output type=${type}`;
  const dest = attrs.get('dest');
  if (!tar && (dest === undefined || dest === '-' || dest === '')) throw new FlagError(`${what},tar=false needs dest=DIR for the layout directory`);
  return {
    type,
    dest: tar ? streamDest(dest, env, what) : path.resolve(env.cwd, dest!),
    tar,
    ...imageCommon(attrs, type === 'oci', what),
  };
}

function imageOutput(attrs: ReadonlyMap<string, string>, registry: boolean): ImageOutput {
  const what = `--output type=${registry ? 'registry' : 'image'}`;
  const common = imageCommon(attrs, false, what);
  const push = attrBool(attrs, 'push', registry);
  const pushByDigest = attrBool(attrs, 'push-by-digest', false);
  if (push && common.names.length === 0 && attrs.get('dangling-name-prefix') === undefined) {
    throw new FlagError(`${what} with push=true needs name=REF (or dangling-name-prefix=REPO), the image to push`);
  }
  const dangling = attrs.get('dangling-name-prefix');
  checkImageNames(common.names, { what, push, pushByDigest, ...(dangling !== undefined ? { danglingNamePrefix: dangling } : {}) });
  return {
    type: 'image',
    push,
    ...common,
    pushByDigest,
    nameCanonical: attrBool(attrs, 'name-canonical', false),
    ...(dangling !== undefined ? { danglingNamePrefix: dangling } : {}),
    registryInsecure: attrBool(attrs, 'registry.insecure', false),
    unpack: attrBool(attrs, 'unpack', false),
    store: attrBool(attrs, 'store', true),
  };
}

type ImageCommon = Pick<ImageOutput, 'names' | 'compression' | 'compressionLevel' | 'forceCompression' | 'ociMediaTypes' | 'annotations' | 'manifestDescriptorAnnotations' | 'rewriteTimestamp' | 'sourceDateEpoch'>;

/** Keys shared by oci, docker and image. oci-mediatypes defaults to true for oci only, as in BuildKit. */
function imageCommon(attrs: ReadonlyMap<string, string>, ociDefault: boolean, what: string): ImageCommon {
  const compression = (attrs.get('compression') ?? 'gzip') as Compression;
  const levelText = attrs.get('compression-level');
  let compressionLevel: number | undefined;
  if (levelText !== undefined) {
    compressionLevel = Number(levelText);
    const max = compression === 'gzip' ? 9 : 22;
    if (compressionLevel > max) throw new FlagError(`compression-level=${levelText} in ${what}: ${compression} levels go from 0 to ${max}`);
  }
  const annotations = parseAnnotationAttrs(attrs, what);
  const epoch = parseSourceDateEpoch(attrs.get('source-date-epoch'), `source-date-epoch in ${what}`);
  return {
    names: (attrs.get('name') ?? '').split(',').map((n) => n.trim()).filter((n) => n.length > 0),
    compression,
    ...(compressionLevel !== undefined ? { compressionLevel } : {}),
    forceCompression: attrBool(attrs, 'force-compression', false),
    // zstd layers only exist with OCI media types (BuildKit switches them on for zstd too).
    ociMediaTypes: attrBool(attrs, 'oci-mediatypes', ociDefault || compression === 'zstd'),
    annotations: annotations.manifest,
    ...(Object.keys(annotations.manifestDescriptor).length > 0 ? { manifestDescriptorAnnotations: annotations.manifestDescriptor } : {}),
    ...(attrs.has('rewrite-timestamp') ? { rewriteTimestamp: attrBool(attrs, 'rewrite-timestamp', false) } : {}),
    ...(epoch !== undefined ? { sourceDateEpoch: epoch } : {}),
  };
}

/** A tar stream's dest: '-' (stdout) when absent, else an absolute file path that is not a directory. */
function streamDest(dest: string | undefined, env: OutputEnv, what: string): string {
  if (dest === undefined || dest === '' || dest === '-') {
    if (env.stdoutIsTTY) {
      throw new FlagError(`${what}: refusing to write a tar stream to the terminal`, { hint: 'give dest=FILE or redirect stdout' });
    }
    return '-';
  }
  const abs = path.resolve(env.cwd, dest);
  try {
    if (statSync(abs).isDirectory()) throw new FlagError(`${what}: dest ${dest} is a directory, expected a file`);
  } catch (e) {
    if (!isErrno(e, 'ENOENT')) throw e;
  }
  return abs;
}
