import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/** Test files that also run against the optional relaxed-SIMD build. */
const RELAXED_FILES = [
  'test/wasm-vs-reference.test.ts',
  'test/zero-allocation.test.ts',
  'test/relaxed-build.test.ts',
];

// API tests import 'wasm-mlp' and get the built bundle (dist/index.js), i.e. exactly what users
// get, with dist/wasm_mlp.wasm next to it. Run `npm run build` first. Kernel-level tests import
// the ts/ sources directly and load test/helpers.ts's WASM_PATH explicitly.
// Project `plain`: every test on the default SIMD128 build (Node 20 without flags cannot
// compile relaxed SIMD, so the loader picks the plain build). Project `relaxed`: the kernel
// checks again on dist/wasm_mlp_relaxed.wasm, in workers started with the V8 flag.
export default defineConfig({
  resolve: {
    alias: { 'wasm-mlp': fileURLToPath(new URL('./dist/index.js', import.meta.url)) },
  },
  test: {
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
