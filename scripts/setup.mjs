#!/usr/bin/env node
// First step of `npm run demo` and `npm test`: makes a fresh clone ready without any other
// command. Installs npm dependencies when node_modules is missing or older than the lockfile,
// finds (or, as root on Debian, installs) a Rust toolchain for wasm32, and builds dist/.
// Each step is a no-op when already done (cargo and esbuild rebuild incrementally).
//   --deps-only   stop after the npm dependencies
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function dependenciesAreCurrent() {
  const marker = join(root, 'node_modules', '.package-lock.json');
  const lock = join(root, 'package-lock.json');
  return existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs;
}

if (!dependenciesAreCurrent()) {
  console.log('[setup] installing npm dependencies (npm ci)');
  const result = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], {
    cwd: root,
    stdio: 'inherit',
    // onnxruntime-node's install script would try to download GPU libraries; the CPU one ships
    // inside the package.
    env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' },
  });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

if (!process.argv.includes('--deps-only')) {
  // Imported after `npm ci` because the build uses esbuild and tsc from node_modules.
  const { build } = await import('./build.mjs');
  await build({ install: true });
}
