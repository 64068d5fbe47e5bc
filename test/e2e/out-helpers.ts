/**
 * Helpers for the output e2e tests (out-*.test.ts): read an image layout (from a tarball or a directory), and the
 * private docker daemon scripts/test-setup.sh starts for `docker load` (absent when dockerd could not start).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { REPO, run } from './helpers.js';

/** DOCKER_HOST of the test daemon, or undefined when test-setup could not start one. */
export function testDockerHost(): string | undefined {
  const sock = path.join(REPO, '.test-env/docker/docker.sock');
  return existsSync(sock) ? `unix://${sock}` : undefined;
}

/** Run the docker CLI against the test daemon. */
export function docker(host: string, args: string[]): Promise<string> {
  return run('env', [`DOCKER_HOST=${host}`, 'docker', ...args]);
}

export interface Layout {
  dir: string;
  json<T = Record<string, unknown>>(file: string): Promise<T>;
  blob(digest: string): Promise<Buffer>;
  blobJson<T = Record<string, unknown>>(digest: string): Promise<T>;
}

export function layoutAt(dir: string): Layout {
  const blob = (digest: string): Promise<Buffer> => readFile(path.join(dir, 'blobs', 'sha256', digest.replace(/^sha256:/, '')));
  return {
    dir,
    json: async <T>(file: string) => JSON.parse(await readFile(path.join(dir, file), 'utf8')) as T,
    blob,
    blobJson: async <T>(digest: string) => JSON.parse((await blob(digest)).toString('utf8')) as T,
  };
}

/** Extract an image tarball into a fresh directory. */
export async function untarLayout(tarball: string): Promise<Layout> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'out-layout-'));
  await run('tar', ['-xf', tarball, '-C', dir]);
  return layoutAt(dir);
}

export interface Descriptor { mediaType: string; digest: string; size: number; annotations?: Record<string, string> }
export interface Manifest { mediaType?: string; config: Descriptor; layers: Descriptor[]; annotations?: Record<string, string> }
export interface Index { manifests: Descriptor[] }
export interface ImageConfigJson { created?: string; history?: { created?: string; created_by?: string; empty_layer?: boolean }[]; rootfs: { diff_ids: string[] } }

/** The single image of a layout: its index entry, manifest and config. */
export async function theImage(l: Layout): Promise<{ entry: Descriptor; manifest: Manifest; config: ImageConfigJson }> {
  const index = await l.json<Index>('index.json');
  const entry = index.manifests[0]!;
  const manifest = await l.blobJson<Manifest>(entry.digest);
  return { entry, manifest, config: await l.blobJson<ImageConfigJson>(manifest.config.digest) };
}

/** `tar -tv --full-time` of a layer blob (GNU tar detects gzip and zstd by their magic). */
export async function listLayer(l: Layout, digest: string): Promise<string> {
  return run('tar', ['--full-time', '-tvf', path.join(l.dir, 'blobs', 'sha256', digest.replace(/^sha256:/, ''))]);
}
