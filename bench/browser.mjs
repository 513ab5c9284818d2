#!/usr/bin/env node
// wasm-mlp against TF.js's threaded wasm backend in Chromium (TF.js threads only in browsers),
// on a cross-origin-isolated page served by the demo server: a 1024³ GEMM (wasm-mlp: the
// forward pass of a [1024,1024] linear layer at batch 1024) and mnist-shaped training
// ([784,128,64,10] sigmoid, SGD, batch 64), at 1 thread and at the machine's parallelism.
// TF.js fixes its thread count when its backend starts, so every (engine, threads) pair gets
// a fresh page. Writes bench/results/browser-threads.json (quick: quick.browser-threads.json).
// Observed with TF.js 4.22 in Debian's Chromium: its threaded SIMD build loads
// (WASM_HAS_MULTITHREAD_SUPPORT true) but getThreadsCount() stays 1 after setThreadsCount(2)
// (tensorflow/tfjs#8513, open), so its "2 threads" column is one thread; the table prints the
// threads each engine reports in use.
//   node bench/browser.mjs [--quick]
import { writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { DEFAULT_MOUNTS, ISOLATION_HEADERS, startServer } from '../examples/browser/serve.mjs';
import { findChromium } from '../scripts/chromium.mjs';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const tfDir = (name) => here(`../node_modules/@tensorflow/${name}/dist`);
const QUICK = process.argv.includes('--quick');
const counts = [1, Math.min(availableParallelism(), 8)];

const server = await startServer({
  mounts: {
    ...DEFAULT_MOUNTS,
    '/bench/': here('./browser'),
    '/tfjs/core/': tfDir('tfjs-core'),
    '/tfjs/layers/': tfDir('tfjs-layers'),
    '/tfjs/wasm/': tfDir('tfjs-backend-wasm'),
  },
  headers: ISOLATION_HEADERS,
});
const browser = await chromium.launch({
  executablePath: findChromium(),
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
});
const load = [loadavg()[0]];
const results = [];
try {
  for (let round = 0; round < (QUICK ? 1 : 3); round++) {
    for (const engine of ['wasm-mlp', 'tfjs']) {
      for (const threads of counts) {
        const page = await browser.newPage();
        const errors = [];
        page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
        page.on('pageerror', (e) => errors.push(e.message));
        await page.goto(`${server.url}/bench/index.html`);
        await page.waitForFunction(() => 'ready' in window);
        const ready = await page.evaluate(() => window.ready);
        if (!ready.crossOriginIsolated)
          throw new Error('the bench page is not cross-origin isolated');
        const r = await page.evaluate(([e, t]) => window.run(e, t), [engine, threads]);
        await page.close();
        if (errors.length > 0)
          throw new Error(`${engine} threads ${threads}: ${errors.join('; ')}`);
        results.push({ round, engine, threads, ...r });
        console.error(
          `[bench:browser] ${engine} threads ${threads} (in use ${r.threadsInUse}): GEMM ${r.gemm.toFixed(1)} GFLOP/s, ` +
            `mnist train ${Math.round(r.train)} samples/s`,
        );
      }
    }
  }
} finally {
  await browser.close();
  await server.close();
}
load.push(loadavg()[0]);
const median = (a) => [...a].sort((x, y) => x - y)[(a.length - 1) >> 1];
const summary = {};
for (const engine of ['wasm-mlp', 'tfjs']) {
  for (const threads of counts) {
    const rs = results.filter((r) => r.engine === engine && r.threads === threads);
    summary[`${engine}@${threads}`] = {
      gemm: median(rs.map((r) => r.gemm)),
      train: median(rs.map((r) => r.train)),
      threadsInUse: rs[0].threadsInUse,
    };
  }
}
const out = { date: new Date().toISOString(), quick: QUICK, load, counts, summary, results };
writeFileSync(
  join(here('./results'), `${QUICK ? 'quick.' : ''}browser-threads.json`),
  JSON.stringify(out, null, 2) + '\n',
);
const [one, n] = counts;
console.log(
  `| engine (Chromium, isolated page) | GEMM 1024³ GFLOP/s, ${one} → ${n} threads | mnist train samples/s, ${one} → ${n} threads |`,
);
console.log('|---|---:|---:|');
for (const engine of ['wasm-mlp', 'tfjs']) {
  const a = summary[`${engine}@${one}`];
  const b = summary[`${engine}@${n}`];
  console.log(
    `| ${engine === 'tfjs' ? 'TF.js wasm (threaded SIMD build)' : 'wasm-mlp f32'}, threads in use ${a.threadsInUse} → ${b.threadsInUse} | ` +
      `${a.gemm.toFixed(1)} → ${b.gemm.toFixed(1)} (${(b.gemm / a.gemm).toFixed(2)}×) | ` +
      `${Math.round(a.train)} → ${Math.round(b.train)} (${(b.train / a.train).toFixed(2)}×) |`,
  );
}
console.log(`load average ${load[0]} before / ${load[1]} after`);
