/**
 * Solved result -> the outputs asked for with --output. Filesystem outputs read the result through a
 * read-only overlay mount; image outputs get one compressed blob per non-empty layer, made once and shared
 * by every output.
 */
import { exportImage } from '../output/push-image.js';
import { exportLocal, exportTarFile, writeDockerArchive, writeOciArchive } from '../output/index.js';
import type { ProgressSink } from '../progress/types.js';
import { writeTreeTar } from '../snapshot/index.js';
import type { Worker } from '../solver/worker.js';
import { buildImage, imageArchiveResponse, imageCreatedAnnotation, type ExportInput } from './export-image.js';
import type { ExporterResponse, ImageArchiveOutput, OutputSpec } from './request.js';

export type { ExportInput } from './export-image.js';

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
        Object.assign(response, await exportImage(out, input, worker, progress));
        break;
    }
  }
  return response;
}

async function exportArchive(out: ImageArchiveOutput, input: ExportInput, worker: Worker, progress: ProgressSink): Promise<ExporterResponse> {
  const v = progress.vertex(out.type === 'oci' ? 'exporting to oci image format' : 'exporting to docker image format');
  v.start();
  v.status('exporting layers');
  const image = await buildImage(input, worker, out, progress);
  v.status(`exporting manifest ${image.manifestDescriptor.digest} done`);
  v.status(`exporting config ${image.configDescriptor.digest} done`);
  const created = imageCreatedAnnotation(image.epoch);
  v.status('sending tarball');
  // annotation-manifest-descriptor.KEY lands on the manifest's index.json entries and in the metadata descriptor.
  const extra = out.manifestDescriptorAnnotations ?? {};
  const manifest = Object.keys(extra).length > 0 ? { ...image.manifestDescriptor, annotations: { ...image.manifestDescriptor.annotations, ...extra } } : image.manifestDescriptor;
  const archive = { manifest, names: [...out.names], dest: out.dest, created: new Date(created) };
  if (out.type === 'oci') {
    await writeOciArchive(worker.content, { ...archive, tar: out.tar });
  } else {
    await writeDockerArchive(worker.content, archive);
  }
  v.done();
  return imageArchiveResponse({ ...image, manifestDescriptor: manifest }, { names: out.names, created });
}
