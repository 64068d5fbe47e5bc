export { compressStream, gzipImplementation, DEFAULT_LEVEL } from './compress.js';
export { ContentStore, type BlobInfo } from './content-store.js';
export { getLayerBlob, type LayerSource, type LayerBlob, type LayerBlobOptions } from './layer-blobs.js';
export { writeImage, type WriteImageOptions, type WrittenImage } from './image.js';
export { writeOciArchive, writeDockerArchive, type OciArchiveOptions, type DockerArchiveOptions } from './oci-archive.js';
export { exportLocal, type ExportLocalOptions } from './local.js';
export { exportTarFile, type ExportTarFileOptions } from './tar.js';
export { normalizeImageName } from './image-names.js';
export { goJson } from './go-json.js';
