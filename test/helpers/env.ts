/**
 * The shared test environment written by `scripts/test-setup.sh` (.test-env/env.json): one docker-registry on a
 * loopback port holding every test image, and the OCI layouts those images were pushed from.
 * Override the file with TEST_ENV_FILE.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';

/** One entry per test image (see scripts/test-images/build.sh for what each one is). */
const PerImage = Type.Object({
  /** Debian busybox-static rootfs, one gzip layer, OCI media types, linux/amd64, Cmd ["sh"]. */
  busybox: Type.String(),
  /** Debian bookworm minbase + passwd, one gzip layer, Cmd ["bash"]. */
  debian: Type.String(),
  /** busybox with Docker schema 2 media types. */
  busyboxV2s2: Type.String(),
  /** busybox as one zstd layer. */
  busyboxZstd: Type.String(),
  /** busybox as one uncompressed layer. */
  busyboxUncompressed: Type.String(),
  /** An image index: linux/amd64 = busybox, linux/arm64/v8 = a data-only image with /etc/test-image-arch. */
  multiarch: Type.String(),
  /** debian + the host's Node 20 (node, npm, headers) in /usr/local like node:20-bookworm-slim, NODE_EXTRA_CA_CERTS. */
  node: Type.String(),
});

const TestUser = Type.Object({ name: Type.String(), uid: Type.Integer(), gid: Type.Integer(), home: Type.String() });

/** Unprivileged users made by scripts/test-users.sh. */
const TestUsers = Type.Object({
  /** A normal user with one subuid/subgid range of 65536 ids: the rootless worker of the e2e matrix. */
  rootless: TestUser,
  /** A subuid/subgid range of only 1000 ids. */
  narrow: TestUser,
  /** No subuid/subgid range. */
  noSubid: TestUser,
});
export type TestUserInfo = Static<typeof TestUser>;

export const TestEnvSchema = Type.Object({
  /** "127.0.0.1:PORT", plain http. */
  registry: Type.String({ pattern: '^127\\.0\\.0\\.1:[0-9]+$' }),
  registryPid: Type.Integer({ minimum: 1 }),
  /** Full references, e.g. "127.0.0.1:PORT/test/busybox:latest". */
  images: PerImage,
  /** Absolute paths of the OCI image layouts (each index.json has one entry tagged "latest"). */
  layouts: PerImage,
  users: TestUsers,
});
export type TestEnv = Static<typeof TestEnvSchema>;
export type TestImageName = keyof TestEnv['images'];

const checker = TypeCompiler.Compile(TestEnvSchema);

/** The env file path: $TEST_ENV_FILE, else <repo>/.test-env/env.json (this file compiles to dist/test/helpers/). */
export function testEnvFile(): string {
  return process.env.TEST_ENV_FILE || fileURLToPath(new URL('../../../.test-env/env.json', import.meta.url));
}

let cached: { file: string; env: TestEnv } | undefined;

/** Reads and validates the env file (once per process). Throws a message that says how to create it. */
export function testEnv(): TestEnv {
  const file = testEnvFile();
  if (cached?.file === file) return cached.env;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(`test environment file ${file} is missing: run scripts/test-setup.sh first (npm test does)`);
    }
    throw err;
  }
  const value: unknown = JSON.parse(text);
  if (!checker.Check(value)) {
    const first = checker.Errors(value).First();
    const where = first ? `${first.path || '/'}: ${first.message}` : 'invalid';
    throw new Error(`test environment file ${file} is invalid (${where}): re-run scripts/test-setup.sh`);
  }
  cached = { file, env: value };
  return value;
}
