#!/usr/bin/env node
// npm run build: the wasm core from Rust source, then the TypeScript bundle and declarations.
//   dist/wasm_mlp.wasm   the Rust core (release, +simd128, LTO, panic=abort)
//   dist/index.js        ESM bundle of ts/index.ts (esbuild)
//   dist/types/*.d.ts    declarations (tsc --emitDeclarationOnly)
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildEntries } from './build-entries.mjs';
import { buildWasm } from './build-wasm.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);

function run(cmd, args) {
  const result = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0)
    throw new Error(`${cmd} ${args.join(' ')} failed (exit ${result.status})`);
}

export async function build({ install = false } = {}) {
  buildWasm({ install });
  run(bin('esbuild'), [
    'ts/index.ts',
    '--bundle',
    '--format=esm',
    '--platform=neutral',
    '--target=es2022',
    '--sourcemap',
    '--outfile=dist/index.js',
    // Node built-ins are only reached on Node (dynamic imports inside the loader).
    '--external:node:*',
    '--log-level=warning',
  ]);
  await buildEntries(); // dist/onnx.js, dist/cli.js
  run(bin('tsc'), ['-p', 'tsconfig.build.json']);
  console.log('[build] dist/ ready');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await build({ install: process.argv.includes('--install') });
}
