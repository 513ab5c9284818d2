import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// API tests import 'wasm-mlp' and get the built bundle (dist/index.js), i.e. exactly what users
// get, with dist/wasm_mlp.wasm next to it. Run `npm run build` first. Kernel-level tests import
// the ts/ sources directly and load dist/wasm_mlp.wasm explicitly.
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
    include: ['test/**/*.test.ts'],
    // Chromium suites: npm run test:browser (vitest.browser.config.ts).
    exclude: ['test/browser/**', '**/node_modules/**'],
    environment: 'node',
    testTimeout: 60_000,
    reporters: ['default', './scripts/vitest-summary-reporter.mjs'],
  },
});
