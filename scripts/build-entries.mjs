// The secondary entry points, bundled apart from the core so `import 'wasm-mlp'` stays free of
// their dependencies:
//   dist/onnx.js  `wasm-mlp/onnx` (protobufjs stays an external dependency)
//   dist/cli.js   the `wasm-mlp` command (node shebang; commander, cli-progress, csv-* external)
// Both import the core as './index.js' (and the CLI the ONNX entry as './onnx.js'), so there is
// one copy of Network, its errors and the wasm instance at run time.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const shared = {
  [join(root, 'ts', 'index.ts')]: './index.js',
  [join(root, 'ts', 'onnx.ts')]: './onnx.js',
};

/** Resolves relative imports of the core (or of another entry) to the built sibling file. */
const siblings = (entry) => ({
  name: 'siblings',
  setup(build) {
    build.onResolve({ filter: /^\.\.?\// }, (args) => {
      const file = resolve(args.resolveDir, args.path).replace(/\.js$/, '.ts');
      const sibling = shared[file];
      return sibling && file !== entry ? { path: sibling, external: true } : undefined;
    });
  },
});

export async function buildEntries() {
  const common = {
    bundle: true,
    format: 'esm',
    target: 'es2022',
    sourcemap: true,
    packages: 'external',
    logLevel: 'warning',
  };
  const onnx = join(root, 'ts', 'onnx.ts');
  await esbuild.build({
    ...common,
    entryPoints: [onnx],
    outfile: join(root, 'dist', 'onnx.js'),
    platform: 'neutral',
    plugins: [siblings(onnx)],
  });
  const cli = join(root, 'ts', 'cli', 'main.ts');
  await esbuild.build({
    ...common,
    entryPoints: [cli],
    outfile: join(root, 'dist', 'cli.js'),
    platform: 'node',
    banner: { js: '#!/usr/bin/env node' },
    plugins: [siblings(cli)],
  });
}
