/** Paths shared by the CLI tests (compiled into dist/test/cli/). */
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
export const BIN = `${REPO}bin/buildctl`;
export const SCRIPT = `${REPO}scripts/buildctl-daemonless.sh`;
export const STUB_LAUNCHER = fileURLToPath(new URL('./fixtures/launch-with-stub.js', import.meta.url));
