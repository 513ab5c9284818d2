#!/usr/bin/env node
// The size budget of what we ship: every .js and .wasm in dist/ against scripts/size-budget.json
// (raw and gzip -9 bytes). Exits 1 when a file is over budget or has no budget. Also prints the
// minified+gzip size of the JS (what a user's production bundle adds), for the README table.
//   node scripts/check-size.mjs [--markdown]
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { transformSync } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const { $comment: _, ...budgets } = JSON.parse(
  readFileSync(join(root, 'scripts', 'size-budget.json'), 'utf8'),
);

const matches = (pattern, name) =>
  pattern.startsWith('*') ? name.endsWith(pattern.slice(1)) : name === pattern;
const gzip = (bytes) => gzipSync(bytes, { level: 9 }).length;
const kB = (n) => `${(n / 1024).toFixed(1)} kB`;

const rows = [];
let failed = false;
for (const name of readdirSync(dist)
  .filter((n) => /\.(js|wasm)$/.test(n))
  .sort()) {
  const bytes = readFileSync(join(dist, name));
  const size = { raw: bytes.length, gzip: gzip(bytes) };
  if (name.endsWith('.js')) {
    const { code } = transformSync(bytes.toString(), { minify: true, format: 'esm' });
    size.minGzip = gzip(Buffer.from(code));
  }
  const pattern = Object.keys(budgets).find((p) => matches(p, name));
  const budget = pattern && budgets[pattern];
  const over = budget ? ['raw', 'gzip'].filter((k) => size[k] > budget[k]) : ['no budget'];
  if (over.length > 0) failed = true;
  rows.push({ name, size, budget, over });
}

if (process.argv.includes('--markdown')) {
  console.log('| file | raw | gzip | minified + gzip |');
  console.log('| --- | --: | --: | --: |');
  for (const { name, size } of rows) {
    const min = size.minGzip === undefined ? '–' : kB(size.minGzip);
    console.log(`| \`${name}\` | ${kB(size.raw)} | ${kB(size.gzip)} | ${min} |`);
  }
} else {
  for (const { name, size, budget, over } of rows) {
    const limits = budget ? `budget ${kB(budget.raw)} / ${kB(budget.gzip)} gz` : 'NO BUDGET';
    const status = over.length === 0 ? 'ok' : `OVER (${over.join(', ')})`;
    console.log(
      `[size] ${name.padEnd(16)} ${kB(size.raw).padStart(9)} raw ${kB(size.gzip).padStart(9)} gz  ${limits}  ${status}`,
    );
  }
}
if (failed) {
  console.error(
    '[size] over budget: shrink the file or raise scripts/size-budget.json with a reason',
  );
  process.exit(1);
}
