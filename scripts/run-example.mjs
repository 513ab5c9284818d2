#!/usr/bin/env node
// Runs a TypeScript example (node scripts/run-example.mjs examples/x.ts [args…]): esbuild
// bundles it with its relative imports; packages stay external, and 'wasm-mlp' is the built
// dist/index.js (run `npm run build` first), so the example runs against what users get.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('usage: node scripts/run-example.mjs <example.ts> [args…]');
  process.exit(2);
}
// Inside node_modules/.cache so the bundle finds the project's packages (import and require).
const cache = join(root, 'node_modules', '.cache', 'wasm-mlp-examples');
mkdirSync(cache, { recursive: true });
const outfile = join(cache, `${basename(entry, extname(entry))}.mjs`);
await esbuild.build({
  entryPoints: [resolve(entry)],
  outfile,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'es2022',
  packages: 'external',
  alias: { 'wasm-mlp': join(root, 'dist', 'index.js') },
  external: [join(root, 'dist', 'index.js')],
  logLevel: 'warning',
});
const result = spawnSync(process.execPath, [outfile, ...args], { stdio: 'inherit' });
process.exit(result.status ?? 1);
