/**
 * An OCI image layout written as a directory (type=oci,tar=false). A new dest is built in a temp sibling
 * and renamed into place. An existing layout is updated as BuildKit's client does (client/ociindex): blobs
 * are added (each atomically: content-addressed, so never a partial or wrong blob), then index.json is
 * replaced atomically, dropping older entries with the same name. Until that last rename the old layout
 * reads exactly as before.
 */
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { isErrno, OutputError } from '../errors.js';
import { IndexCheck, type Descriptor } from '../oci/schemas.js';
import { lstatIfExists } from '../util/fs.js';
import type { ContentStore } from './content-store.js';
import { copyLayoutBlob, writeLayoutFile } from './layout-files.js';
import { indexJson, OCI_LAYOUT_JSON, type LayoutPlan } from './oci-layout.js';
import { tempSibling } from './tar.js';

const NAME = 'io.containerd.image.name';
const REF = 'org.opencontainers.image.ref.name';
/** index.json of a layout we update comes from outside: cap it before parsing. */
const MAX_INDEX_BYTES = 16 << 20;

/** Copy the plan's blobs into `<dir>/blobs/sha256` (reflink where the filesystem can), skipping present ones. */
async function copyBlobs(store: ContentStore, plan: LayoutPlan, dir: string): Promise<void> {
  const blobDir = join(dir, 'blobs', 'sha256');
  await mkdir(blobDir, { recursive: true });
  for (const b of plan.blobs) await copyLayoutBlob(store.path(b.digest), blobDir, b);
}

async function readIndex(path: string): Promise<Descriptor[]> {
  let bytes: Buffer;
  try {
    if ((await stat(path)).size > MAX_INDEX_BYTES) throw new OutputError(`${path} is larger than ${MAX_INDEX_BYTES} bytes`);
    bytes = await readFile(path);
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return [];
    throw e;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw new OutputError(`${path} is not valid JSON`, { cause: e });
  }
  if (!IndexCheck.Check(parsed)) throw new OutputError(`${path} is not an OCI image index`);
  return parsed.manifests;
}

/** BuildKit's insertDesc: an entry with a name replaces entries carrying the same name; unnamed ones append. */
function mergeIndex(existing: Descriptor[], added: Descriptor[]): Descriptor[] {
  let out = existing;
  for (const d of added) {
    const name = d.annotations?.[NAME];
    const ref = d.annotations?.[REF];
    if (ref !== undefined) out = out.filter((m) => m.annotations?.[REF] !== ref || m.annotations?.[NAME] !== name);
    out = [...out, d];
  }
  return out;
}

export async function writeOciDir(store: ContentStore, plan: LayoutPlan, destPath: string): Promise<void> {
  const dest = resolve(destPath);
  const st = await lstatIfExists(dest);
  if (st !== undefined) {
    if (!st.isDirectory()) throw new OutputError(`cannot write an OCI layout to ${dest}: it exists and is not a directory`);
    await copyBlobs(store, plan, dest);
    await writeLayoutFile(join(dest, 'oci-layout'), OCI_LAYOUT_JSON);
    const merged = mergeIndex(await readIndex(join(dest, 'index.json')), plan.indexManifests);
    await writeLayoutFile(join(dest, 'index.json'), indexJson(merged));
    return;
  }
  await mkdir(dirname(dest), { recursive: true });
  const tmp = tempSibling(dest);
  try {
    await mkdir(tmp);
    await copyBlobs(store, plan, tmp);
    await writeFile(join(tmp, 'oci-layout'), OCI_LAYOUT_JSON);
    await writeFile(join(tmp, 'index.json'), indexJson(plan.indexManifests));
    await rename(tmp, dest);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

