/**
 * Solved result -> the outputs asked for with --output. Filesystem outputs read the result through a
 * read-only overlay mount; image outputs get one compressed blob per non-empty layer, made once and shared
 * by every output.
 */
import { OutputError } from '../errors.js';
import type { ImageConfig } from '../oci/schemas.js';
import { exportLocal, exportTarFile, getLayerBlob, writeDockerArchive, writeImage, writeOciArchive, type LayerBlob, type LayerSource } from '../output/index.js';
import type { ProgressSink } from '../progress/types.js';
import { writeLayerTar, writeTreeTar } from '../snapshot/index.js';
import type { SnapshotResult } from '../solver/result.js';
import type { Worker } from '../solver/worker.js';
import { finalizeImageConfig } from './image-config.js';
import type { ExporterResponse, ImageArchiveOutput, OutputSpec } from './request.js';

export interface ExportInput {
  readonly result: SnapshotResult;
  readonly image: ImageConfig;
  readonly created: string;
}

export async function exportOutputs(outputs: readonly OutputSpec[], input: ExportInput, worker: Worker, progress: ProgressSink): Promise<ExporterResponse> {
  const response: ExporterResponse = {};
  // Outputs run one after another: they share layer blobs, and each one is atomic on its own.
  for (const out of outputs) {
    switch (out.type) {
      case 'local': {
        const v = progress.vertex('exporting to client directory');
        v.start();
        await worker.mounts.withMerged({ lowers: input.result.layers.map((l) => l.dir), readonly: true }, (dir) => exportLocal({ srcDir: dir, dest: out.dest, ownedByCaller: worker.rootless }));
        v.status('copying files done');
        v.done();
        break;
      }
      case 'tar': {
        const v = progress.vertex('exporting to client tarball');
        v.start();
        await worker.mounts.withMerged({ lowers: input.result.layers.map((l) => l.dir), readonly: true }, (dir) =>
          exportTarFile({ produce: (stream) => writeTreeTar({ dir, out: stream }), dest: out.dest }));
        v.status('sending tarball done');
        v.done();
        break;
      }
      case 'oci':
      case 'docker':
        Object.assign(response, await exportArchive(out, input, worker, progress));
        break;
      case 'image':
        throw new OutputError('--output type=image (push to a registry) is not supported yet');
    }
  }
  return response;
}

async function exportArchive(out: ImageArchiveOutput, input: ExportInput, worker: Worker, progress: ProgressSink): Promise<ExporterResponse> {
  const v = progress.vertex(out.type === 'oci' ? 'exporting to oci image format' : 'exporting to docker image format');
  v.start();
  const layers = input.result.layers;
  const exported = layers.filter((l) => !l.meta.empty);
  v.status('exporting layers');
  const blobs: LayerBlob[] = await Promise.all(exported.map((l) => {
    const src: LayerSource = {
      key: l.id,
      ...(l.meta.blob && l.meta.diffId ? { existingBlob: { descriptor: l.meta.blob, path: worker.content.path(l.meta.blob.digest), diffId: l.meta.diffId } } : {}),
      diffTar: (stream) => writeLayerTar({ dir: l.dir, out: stream, rootless: worker.rootless }),
    };
    return getLayerBlob(worker.content, src, {
      compression: out.compression, ociMediaTypes: out.ociMediaTypes, forceCompression: out.forceCompression,
      ...(out.compressionLevel !== undefined ? { level: out.compressionLevel } : {}),
    });
  }));
  const config = finalizeImageConfig({ config: input.image, layerEmpty: layers.map((l) => l.meta.empty === true), diffIds: blobs.map((b) => b.diffId), created: input.created });
  const image = await writeImage(worker.content, { layers: blobs, config, ociMediaTypes: out.ociMediaTypes, annotations: { ...out.annotations } });
  v.status(`exporting manifest ${image.manifestDescriptor.digest} done`);
  v.status(`exporting config ${image.configDescriptor.digest} done`);
  v.status(`sending tarball`);
  if (out.type === 'oci') {
    await writeOciArchive(worker.content, { manifest: image.manifestDescriptor, names: [...out.names], dest: out.dest, tar: out.tar });
  } else {
    await writeDockerArchive(worker.content, { manifest: image.manifestDescriptor, names: [...out.names], dest: out.dest });
  }
  v.done();
  const response: ExporterResponse = {
    'containerimage.config.digest': image.configDescriptor.digest,
    'containerimage.digest': image.manifestDescriptor.digest,
    'containerimage.descriptor': { ...image.manifestDescriptor },
  };
  if (out.names.length > 0) response['image.name'] = out.names.join(',');
  return response;
}
