#!/usr/bin/env node
// npm run build: the wasm core from Rust source, then the TypeScript bundles and declarations.
//   dist/wasm_mlp.wasm      the Rust core (release, +simd128, LTO, panic=abort)
//   dist/index.js           ESM bundle of ts/index.ts; loads wasm_mlp.wasm next to itself
//   dist/index.inline.js    the same API with the core embedded as base64 (wasm-mlp/inline)
//   dist/worker.js          trainInWorker / serveTraining (wasm-mlp/worker); imports ./index.js
//   dist/onnx.js            toONNX / fromONNX (wasm-mlp/onnx); imports ./index.js; protobufjs
//                           bundled in
//   dist/cli.js             the wasm-mlp command (bin); imports ./index.js and ./onnx.js;
//                           commander, csv-parse, csv-stringify, cli-progress bundled in
//   dist/THIRD-PARTY-LICENSES.txt  the licenses of the bundled packages
//   dist/types/*.d.ts       declarations of the public entry points (tsc --emitDeclarationOnly)
// The package has no runtime dependencies: `import 'wasm-mlp'` installs nothing else, and the
// CLI and ONNX entries carry their few dependencies inside (see the README's package notes).
// No source maps: they would point to ts/, which is not published, and the bundles are not
// minified, so stack traces are readable as they are.
import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { buildWasm } from './build-wasm.mjs';
import { thirdPartyLicenses } from './third-party-licenses.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);

function run(cmd, args) {
  const result = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0)
    throw new Error(`${cmd} ${args.join(' ')} failed (exit ${result.status})`);
}

const common = {
  absWorkingDir: root,
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  sourcemap: false,
  // Bundled CommonJS packages (protobufjs) resolve through `main` on the neutral platform too.
  mainFields: ['module', 'main'],
  // Node built-ins are only reached on Node (dynamic imports inside the loader and the worker).
  external: ['node:*'],
  logLevel: 'warning',
};

/** Swaps the default-source module for the one that returns the embedded bytes. */
const embedCore = {
  name: 'embed-core',
  setup(build) {
    build.onResolve({ filter: /\/default-source\.js$/ }, (args) => ({
      path: join(args.resolveDir, 'default-source.inline.ts'),
    }));
    build.onResolve({ filter: /^wasm-mlp:embedded-core$/ }, () => ({
      path: join(root, 'dist', 'wasm_mlp.wasm'),
    }));
  },
};

/**
 * The other entries share dist/index.js (one copy of the library, one set of error classes),
 * and the CLI shares dist/onnx.js: their imports of those modules stay imports of the siblings.
 */
const SIBLINGS = {
  [join(root, 'ts', 'index.js')]: './index.js',
  [join(root, 'ts', 'onnx.js')]: './onnx.js',
};
const siblings = {
  name: 'siblings',
  setup(build) {
    build.onResolve({ filter: /\/(index|onnx)\.js$/ }, (args) => {
      const sibling = SIBLINGS[join(args.resolveDir, args.path)];
      return sibling ? { path: sibling, external: true } : undefined;
    });
  },
};

export async function build({ install = false } = {}) {
  buildWasm({ install });
  // Maps left by earlier builds must not ship.
  for (const name of readdirSync(join(root, 'dist'))) {
    if (name.endsWith('.map')) rmSync(join(root, 'dist', name));
  }
  const [, , , onnx, cli] = await Promise.all([
    esbuild.build({ ...common, entryPoints: ['ts/index.ts'], outfile: 'dist/index.js' }),
    esbuild.build({
      ...common,
      entryPoints: ['ts/inline.ts'],
      outfile: 'dist/index.inline.js',
      loader: { '.wasm': 'binary' },
      plugins: [embedCore],
    }),
    esbuild.build({
      ...common,
      entryPoints: ['ts/worker.ts'],
      outfile: 'dist/worker.js',
      plugins: [siblings],
    }),
    // wasm-mlp/onnx: protobufjs (light) bundled in, so the package has no runtime dependency.
    esbuild.build({
      ...common,
      entryPoints: ['ts/onnx.ts'],
      outfile: 'dist/onnx.js',
      metafile: true,
      plugins: [siblings],
    }),
    // The `wasm-mlp` command (bin), its argument, CSV and progress packages bundled in.
    esbuild.build({
      ...common,
      entryPoints: ['ts/cli/main.ts'],
      outfile: 'dist/cli.js',
      platform: 'node',
      metafile: true,
      // The bundled CommonJS packages require Node built-ins (events, fs, readline): an ES
      // module has no `require`, so esbuild's shim gets one from createRequire.
      banner: {
        js: [
          '#!/usr/bin/env node',
          "import { createRequire as __wasmMlpCreateRequire } from 'node:module';",
          'const require = __wasmMlpCreateRequire(import.meta.url);',
        ].join('\n'),
      },
      plugins: [siblings],
    }),
  ]);
  writeFileSync(
    join(root, 'dist', 'THIRD-PARTY-LICENSES.txt'),
    thirdPartyLicenses(root, [onnx.metafile, cli.metafile]),
  );
  // From scratch: a declaration of a moved or deleted module must not linger in the package.
  rmSync(join(root, 'dist', 'types'), { recursive: true, force: true });
  run(bin('tsc'), ['-p', 'tsconfig.build.json']);
  console.log('[build] dist/ ready');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await build({ install: process.argv.includes('--install') });
}
