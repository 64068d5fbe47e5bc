/** The runc executor: run one RUN process in a runc container on a mounted rootfs. */
export { runContainer, killAllContainers } from './run-container.js';
export { resolveUser } from './user.js';
export { AbortError } from './types.js';
export type { ExecMount, ProcessSpec, RunOptions, ResolvedUser } from './types.js';
