/**
 * TypeBox schemas for OCI image-spec v1.1 documents (and Docker schema 2, which has the same shape).
 * Source: https://github.com/opencontainers/image-spec (descriptor.md, manifest.md, image-index.md, config.md).
 * Unknown fields are allowed (the spec says consumers must ignore them) and kept when re-serialising.
 */
import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';

const StringMap = Type.Record(Type.String(), Type.String());

export const PlatformSchema = Type.Object({
  architecture: Type.String(),
  os: Type.String(),
  'os.version': Type.Optional(Type.String()),
  'os.features': Type.Optional(Type.Array(Type.String())),
  variant: Type.Optional(Type.String()),
});
export type Platform = Static<typeof PlatformSchema>;

export const DescriptorSchema = Type.Object({
  mediaType: Type.String(),
  digest: Type.String({ pattern: '^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$' }),
  size: Type.Integer({ minimum: 0 }),
  urls: Type.Optional(Type.Array(Type.String())),
  annotations: Type.Optional(StringMap),
  platform: Type.Optional(PlatformSchema),
  artifactType: Type.Optional(Type.String()),
});
export type Descriptor = Static<typeof DescriptorSchema>;

export const ManifestSchema = Type.Object({
  schemaVersion: Type.Literal(2),
  mediaType: Type.Optional(Type.String()),
  config: DescriptorSchema,
  layers: Type.Array(DescriptorSchema),
  annotations: Type.Optional(StringMap),
  subject: Type.Optional(DescriptorSchema),
  artifactType: Type.Optional(Type.String()),
});
export type Manifest = Static<typeof ManifestSchema>;

export const IndexSchema = Type.Object({
  schemaVersion: Type.Literal(2),
  mediaType: Type.Optional(Type.String()),
  manifests: Type.Array(DescriptorSchema),
  annotations: Type.Optional(StringMap),
  subject: Type.Optional(DescriptorSchema),
  artifactType: Type.Optional(Type.String()),
});
export type Index = Static<typeof IndexSchema>;

export const HealthcheckSchema = Type.Object({
  Test: Type.Optional(Type.Union([Type.Array(Type.String()), Type.Null()])),
  Interval: Type.Optional(Type.Number()),
  Timeout: Type.Optional(Type.Number()),
  StartPeriod: Type.Optional(Type.Number()),
  StartInterval: Type.Optional(Type.Number()),
  Retries: Type.Optional(Type.Number()),
});

const EmptyObjectMap = Type.Record(Type.String(), Type.Object({}));
const NullableStrings = Type.Union([Type.Array(Type.String()), Type.Null()]);

/** The `config` member of an image config (Docker's ContainerConfig subset BuildKit writes). */
export const ContainerConfigSchema = Type.Object({
  User: Type.Optional(Type.String()),
  ExposedPorts: Type.Optional(Type.Union([EmptyObjectMap, Type.Null()])),
  Env: Type.Optional(NullableStrings),
  Entrypoint: Type.Optional(NullableStrings),
  Cmd: Type.Optional(NullableStrings),
  Volumes: Type.Optional(Type.Union([EmptyObjectMap, Type.Null()])),
  WorkingDir: Type.Optional(Type.String()),
  Labels: Type.Optional(Type.Union([StringMap, Type.Null()])),
  StopSignal: Type.Optional(Type.String()),
  ArgsEscaped: Type.Optional(Type.Boolean()),
  Healthcheck: Type.Optional(HealthcheckSchema),
  OnBuild: Type.Optional(NullableStrings),
  Shell: Type.Optional(NullableStrings),
});
export type ContainerConfig = Static<typeof ContainerConfigSchema>;

export const HistorySchema = Type.Object({
  created: Type.Optional(Type.String()),
  created_by: Type.Optional(Type.String()),
  author: Type.Optional(Type.String()),
  comment: Type.Optional(Type.String()),
  empty_layer: Type.Optional(Type.Boolean()),
});
export type History = Static<typeof HistorySchema>;

export const ImageConfigSchema = Type.Object({
  created: Type.Optional(Type.String()),
  author: Type.Optional(Type.String()),
  architecture: Type.String(),
  os: Type.String(),
  'os.version': Type.Optional(Type.String()),
  variant: Type.Optional(Type.String()),
  config: Type.Optional(ContainerConfigSchema),
  rootfs: Type.Object({ type: Type.Literal('layers'), diff_ids: Type.Array(Type.String()) }),
  history: Type.Optional(Type.Array(HistorySchema)),
});
export type ImageConfig = Static<typeof ImageConfigSchema>;

export const ManifestCheck = TypeCompiler.Compile(ManifestSchema);
export const IndexCheck = TypeCompiler.Compile(IndexSchema);
export const ImageConfigCheck = TypeCompiler.Compile(ImageConfigSchema);
export const DescriptorCheck = TypeCompiler.Compile(DescriptorSchema);
