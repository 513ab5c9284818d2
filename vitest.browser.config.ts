import { defineConfig } from 'vitest/config';
import { packageAliases } from './vitest.config';

// npm run test:browser: the suites under test/browser/ drive Debian's chromium through
// playwright-core against the built dist/ (run `npm run build` first). One file at a time, so
// the responsiveness measurements do not compete with another Chromium for the CPU.
export default defineConfig({
  resolve: { alias: packageAliases },
  test: {
    include: ['test/browser/**/*.test.ts'],
    environment: 'node',
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    reporters: ['default', './scripts/vitest-summary-reporter.mjs'],
  },
});
