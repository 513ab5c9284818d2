import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/** Test files that also run against the optional relaxed-SIMD build. */
const RELAXED_FILES = [
  'test/wasm-vs-reference.test.ts',
  'test/property-wasm-vs-reference.test.ts',
  'test/zero-allocation.test.ts',
  'test/relaxed-build.test.ts',
];

// API tests import 'wasm-mlp' and get the built bundle (dist/index.js), i.e. exactly what users
// get, with dist/wasm_mlp.wasm next to it. Run `npm run build` first. Kernel-level tests import
// the ts/ sources directly and load test/helpers.ts's WASM_PATH explicitly.
// Project `plain`: every test on the default SIMD128 build (Node 20 without flags cannot
// compile relaxed SIMD, so the loader picks the plain build). Project `relaxed`: the kernel
// checks again on dist/wasm_mlp_relaxed.wasm, in workers started with the V8 flag.
/** `wasm-mlp` and its subpaths resolve to the built bundles, as package.json maps them. */
export const packageAliases = [
  {
    find: /^wasm-mlp$/,
    replacement: fileURLToPath(new URL('./dist/index.js', import.meta.url)),
  },
  // The subpath exports, as package.json maps them.
  {
    find: /^wasm-mlp\/inline$/,
    replacement: fileURLToPath(new URL('./dist/index.inline.js', import.meta.url)),
  },
  {
    find: /^wasm-mlp\/worker$/,
    replacement: fileURLToPath(new URL('./dist/worker.js', import.meta.url)),
  },
  {
    find: /^wasm-mlp\/onnx$/,
    replacement: fileURLToPath(new URL('./dist/onnx.js', import.meta.url)),
  },
];

export default defineConfig({
  resolve: {
    alias: packageAliases,
  },
  test: {
    // Chromium suites: npm run test:browser (vitest.browser.config.ts).
    exclude: ['test/browser/**', '**/node_modules/**'],
    environment: 'node',
    testTimeout: 60_000,
    reporters: ['default', './scripts/vitest-summary-reporter.mjs'],
    projects: [
      { extends: true, test: { name: 'plain', include: ['test/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'relaxed',
          include: RELAXED_FILES,
          env: { WASM_MLP_BUILD: 'relaxed' },
          execArgv: ['--experimental-wasm-relaxed-simd'],
        },
      },
    ],
  },
});
