/**
 * type=oci and type=docker outputs: an OCI image layout as a tarball (to a file, atomically, or to stdout)
 * or, for oci with tar=false, as a directory (see oci-dir.ts). Entries are sorted by name like containerd's
 * exporter: blobs/, blobs/sha256/, the blobs, index.json, manifest.json (docker only), oci-layout.
 */
import type { Descriptor } from '../oci/schemas.js';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ContentStore } from './content-store.js';
import { writeOciDir } from './oci-dir.js';
import { dockerManifestJson, indexJson, OCI_LAYOUT_JSON, planLayout, type LayoutPlan } from './oci-layout.js';
import { exportTarFile } from './tar.js';
import { tarStream, type TarEntry } from './tar-writer.js';

export interface OciArchiveOptions {
  manifest: Descriptor;
  /** Image names; each adds an index.json entry annotated as BuildKit does. */
  names?: string[];
  dest: string | '-';
  /** false: write the layout as a directory at dest (not to stdout). */
  tar: boolean;
  /** org.opencontainers.image.created of the index entry: the build epoch (SOURCE_DATE_EPOCH) or now. */
  created?: Date;
}

export interface DockerArchiveOptions {
  manifest: Descriptor;
  names: string[];
  dest: string | '-';
  created?: Date;
}

function layoutEntries(store: ContentStore, plan: LayoutPlan, docker: boolean): TarEntry[] {
  const file = (name: string, bytes: Buffer, mode = 0o644): TarEntry => ({ name, mode, type: 'file', size: bytes.length, content: { bytes } });
  const entries: TarEntry[] = [
    { name: 'blobs/', mode: 0o755, type: 'dir', size: 0 },
    { name: 'blobs/sha256/', mode: 0o755, type: 'dir', size: 0 },
    ...plan.blobs.map((b): TarEntry => ({
      name: `blobs/sha256/${b.digest.slice('sha256:'.length)}`,
      mode: 0o444,
      type: 'file',
      size: b.size,
      content: { path: store.path(b.digest), sha256: b.digest },
    })),
    file('index.json', indexJson(plan.indexManifests)),
    file('oci-layout', OCI_LAYOUT_JSON, 0o444),
  ];
  if (docker) entries.push(file('manifest.json', dockerManifestJson(plan)));
  return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

async function writeLayoutTar(store: ContentStore, plan: LayoutPlan, opts: { dest: string; docker: boolean }): Promise<void> {
  const entries = layoutEntries(store, plan, opts.docker);
  await exportTarFile({ dest: opts.dest, produce: (out) => pipeline(Readable.from(tarStream(entries)), out) });
}

export async function writeOciArchive(store: ContentStore, opts: OciArchiveOptions): Promise<void> {
  const plan = await planLayout(store, opts);
  if (opts.tar) {
    await writeLayoutTar(store, plan, { dest: opts.dest, docker: false });
  } else {
    if (opts.dest === '-') throw new Error('an OCI layout directory (tar=false) cannot go to stdout');
    await writeOciDir(store, plan, opts.dest);
  }
}

/**
 * The docker exporter's tarball: the same OCI layout plus manifest.json (as BuildKit/containerd write it;
 * `docker load` reads manifest.json). No legacy `repositories` file: docker load only reads it when
 * manifest.json is absent, and its values would name v1 layer directories that do not exist here.
 */
export async function writeDockerArchive(store: ContentStore, opts: DockerArchiveOptions): Promise<void> {
  const plan = await planLayout(store, opts);
  await writeLayoutTar(store, plan, { dest: opts.dest, docker: true });
}
