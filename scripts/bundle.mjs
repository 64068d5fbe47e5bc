// Bundle the compiled CLI into one ESM file (dist/buildctl.mjs): Node resolves and reads one module instead of
// hundreds, which is most of a cached build's start-up (measured: ~0.2 s of module loading before bundling).
// zstd-napi is a native addon and stays external.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
await build({
  entryPoints: [new URL('../dist/src/cli/main.js', import.meta.url).pathname],
  outfile: new URL('../dist/buildctl.mjs', import.meta.url).pathname,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  external: ['zstd-napi'],
  define: { __BUILDCTL_PKG__: JSON.stringify({ name: pkg.name, version: pkg.version }) },
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  logLevel: 'warning',
});
