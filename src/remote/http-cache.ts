/**
 * What a state dir remembers of URLs it downloaded, for ETag reuse across builds (BuildKit keeps the ETag,
 * digest and Last-Modified as metadata of the ref it saved): `http/<urlhash>.json`, one record per
 * (URL, filename, perm, uid, gid), naming the layer that holds the file. A record whose layer is gone is ignored.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { writeFileAtomic } from '../cache/atomic.js';
import { canonicalDigest } from '../llb/canonical.js';
import { digestHex } from '../oci/digest.js';
import { readTextIfExists } from '../util/fs.js';

const HttpRecordSchema = Type.Object({
  etag: Type.String(),
  digest: Type.String(),
  filename: Type.String(),
  lastModified: Type.Optional(Type.String()),
  layerId: Type.String(),
});
export type HttpRecord = Static<typeof HttpRecordSchema>;
const HttpRecordCheck = TypeCompiler.Compile(HttpRecordSchema);
const MAX_RECORD = 64 * 1024;

export interface HttpIdentity {
  readonly url: string;
  readonly filename: string;
  readonly perm: number;
  readonly uid: number;
  readonly gid: number;
}

function recordFile(stateRoot: string, id: HttpIdentity): string {
  const hash = canonicalDigest({ v: 'http-url/1', url: id.url, filename: id.filename, perm: id.perm, uid: id.uid, gid: id.gid });
  return path.join(stateRoot, 'http', digestHex(hash) + '.json');
}

export async function readHttpRecord(stateRoot: string, id: HttpIdentity): Promise<HttpRecord | undefined> {
  const raw = await readTextIfExists(recordFile(stateRoot, id));
  if (raw === undefined) return undefined;
  if (raw.length > MAX_RECORD) return undefined;
  try {
    const rec: unknown = JSON.parse(raw);
    return HttpRecordCheck.Check(rec) ? rec : undefined;
  } catch {
    return undefined; // written atomically, but never trust a bad record: it only costs a download
  }
}

export async function writeHttpRecord(stateRoot: string, id: HttpIdentity, rec: HttpRecord): Promise<void> {
  const file = recordFile(stateRoot, id);
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await writeFileAtomic(file, JSON.stringify(rec));
}
