#!/usr/bin/env node
// npm run bench / npm run bench:quick: wasm-mlp against its peers on this machine, one thread,
// then wasm-mlp's thread scaling (threads 1, 2, … up to the available parallelism).
// Writes bench/results/latest.json, bench/results/latest.md, bench/results/chart.svg,
// bench/results/threads.txt and threads.svg (the scaling chart) and (full run only) the
// README's Performance section; the quick run writes quick.* and quick.threads.* instead.
// `--threads-only` measures the thread scaling alone (threads*.json/md/txt/svg, no README).
// See bench/README.md for what each number means.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { XOR, loadMnist, wideData } from './data.mjs';
import { ENGINES, tfjs, tfjsWasmInfo } from './engines.mjs';
import { GEMM_SHAPES, coreGemm, flopsOf, tfjsGemm } from './gemm.mjs';
import { QUICK, measure } from './harness.mjs';
import {
  renderMarkdown,
  renderSvg,
  renderThreadsMarkdown,
  renderThreadsSvg,
  renderThreadsText,
  updateReadme,
} from './report.mjs';
import { PEAK_FLOPS_PER_TRIP, peakFunction } from './simd-peak.mjs';
import { THREAD_TARGETS, threadScaling } from './threads.mjs';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const log = (...a) => console.error('[bench]', ...a);

/** Engines that take minutes per `wide` batch are only run in the full suite. */
const SLOW_ON_WIDE = new Set(['reference', 'tfjs-cpu', 'brain']);

/** Cycles through an array of batches (views made once). */
function cycler(list) {
  let i = 0;
  return () => list[i++ % list.length];
}

/** Forward only on the digits at `batch`, output read back to JS: samples/s. */
function mnistForward(mnist, batch) {
  const batches = mnist.batchesOf(batch);
  return {
    id: `mnist-fwd-${batch}`,
    label: `mnist forward, batch ${batch}`,
    unit: 'samples/s',
    layers: [784, 128, 64, 10],
    lr: 0.1,
    perUnit: batch,
    run: (e) => {
      const x = cycler(batches.x);
      return (u) => repeat(u, () => e.predict(x(), batch));
    },
  };
}

async function networkWorkloads(mnist) {
  const rows = [];
  const mnistTrain = mnist.batchesOf(64);
  const wide = wideData(128, 1024, 10);
  const defs = [
    {
      id: 'xor',
      label: 'xor [2,4,1] batch 4, train',
      unit: 'steps/s',
      layers: [2, 4, 1],
      lr: 0.5,
      maxUnits: 10000,
      run: (e) => (u) => repeat(u, () => e.train(XOR.x, XOR.y, 4)),
    },
    {
      id: 'mnist-train',
      label: 'mnist [784,128,64,10] batch 64, train',
      unit: 'samples/s',
      layers: [784, 128, 64, 10],
      lr: 0.1,
      perUnit: 64,
      run: (e) => {
        const x = cycler(mnistTrain.x);
        const y = cycler(mnistTrain.y);
        return (u) => repeat(u, () => e.train(x(), y(), 64));
      },
    },
    mnistForward(mnist, 1),
    mnistForward(mnist, 256),
    {
      id: 'wide-train',
      label: 'wide [1024,1024,1024,10] batch 128, train',
      unit: 'samples/s',
      layers: [1024, 1024, 1024, 10],
      lr: 0.1,
      perUnit: 128,
      maxUnits: 4,
      skip: (id) => QUICK && SLOW_ON_WIDE.has(id),
      run: (e) => (u) => repeat(u, () => e.train(wide.x, wide.y, 128)),
    },
  ];
  for (const def of defs) {
    const results = {};
    for (const engine of ENGINES) {
      if (def.skip?.(engine.id)) continue;
      const e = await engine.create(def.layers, def.lr);
      results[engine.id] = await measure(def.run(e), {
        workPerUnit: def.perUnit ?? 1,
        maxUnits: def.maxUnits,
        slow: def.id === 'wide-train',
      });
      e.dispose();
      log(def.id, engine.id, Math.round(results[engine.id].median), def.unit);
    }
    rows.push({ id: def.id, label: def.label, unit: def.unit, results });
  }
  return rows;
}

/** Runs `f` `n` times, awaiting only if it returns promises (so sync engines stay sync). */
function repeat(n, f) {
  for (let i = 0; i < n; i++) {
    const r = f();
    if (r instanceof Promise) return r.then(() => repeat(n - i - 1, f));
  }
  return undefined;
}

async function gemmWorkloads(peakGflops) {
  // The test build: the published core plus the kernels alone (same code, same flags).
  const bytes = readFileSync(here('../target/test-wasm/wasm_mlp_test.wasm'));
  const { exports } = new WebAssembly.Instance(new WebAssembly.Module(bytes), {});
  const tf = await tfjs();
  await tf.setBackend('wasm');
  const rows = [];
  const shapes = QUICK ? GEMM_SHAPES.filter((s) => s.n !== 1024 || s.m !== 1024) : GEMM_SHAPES;
  for (const shape of shapes) {
    const perUnit = flopsOf(shape) / 1e9;
    const results = {};
    for (const dtype of ['f32', 'f64']) {
      const gemm = coreGemm(exports, dtype, shape);
      results[`wasm-${dtype}`] = await measure((u) => repeat(u, gemm), { workPerUnit: perUnit });
    }
    const tfGemm = tfjsGemm(tf, shape);
    results['tfjs-wasm'] = await measure((u) => repeat(u, tfGemm), { workPerUnit: perUnit });
    const fractionOfPeak = results['wasm-f32'].median / peakGflops;
    log(
      shape.id,
      results['wasm-f32'].median.toFixed(1),
      'GFLOP/s',
      `${(100 * fractionOfPeak).toFixed(0)}% of peak`,
    );
    rows.push({ id: shape.id, label: shape.label, unit: 'GFLOP/s', results, fractionOfPeak });
  }
  return rows;
}

/**
 * The register-only peak. Contention can only slow a loop that touches no memory, so of
 * several measurements the fastest median is the best estimate of the ceiling.
 */
async function peak(previous) {
  const f = peakFunction();
  const now = await measure((u) => f(u * 1e5), { workPerUnit: (1e5 * PEAK_FLOPS_PER_TRIP) / 1e9 });
  return previous && previous.median > now.median ? previous : now;
}

/** The relaxed-SIMD numbers, from a child Node started with --experimental-wasm-relaxed-simd. */
function relaxedChild() {
  const args = ['--experimental-wasm-relaxed-simd', here('./relaxed.mjs')];
  if (QUICK) args.push('--quick');
  const child = spawnSync(process.execPath, args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (child.status !== 0) throw new Error(`relaxed-SIMD child failed (${child.status})`);
  return JSON.parse(child.stdout);
}

const started = performance.now();
const loadBefore = loadavg()[0];
const cpu =
  (readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/) ?? [])[1] ??
  cpus()[0]?.model;

/** Writes the thread-scaling JSON, markdown, text chart and SVG chart; returns the markdown. */
function writeThreads(threads, meta, stem) {
  writeFileSync(here(`./results/${stem}.json`), JSON.stringify({ meta, threads }, null, 2) + '\n');
  const md = renderThreadsMarkdown(threads, THREAD_TARGETS, meta);
  writeFileSync(here(`./results/${stem}.md`), md);
  const text = renderThreadsText(threads);
  writeFileSync(here(`./results/${stem}.txt`), text);
  writeFileSync(here(`./results/${stem}.svg`), renderThreadsSvg(threads, meta));
  console.log(md);
  console.log(text);
  return md;
}

if (process.argv.includes('--threads-only')) {
  const threads = await threadScaling(loadMnist(), log);
  const meta = {
    date: new Date().toISOString(),
    quick: QUICK,
    cpu,
    node: process.version,
    v8: process.versions.v8,
    seconds: Math.round((performance.now() - started) / 1000),
  };
  writeThreads(threads, meta, QUICK ? 'quick.threads' : 'threads');
  log(`done in ${meta.seconds} s`);
  process.exit(0);
}

const tf = await tfjs();
let peakStats = await peak(await peak());
log('SIMD128 peak', peakStats.median.toFixed(1), 'GFLOP/s');
const mnist = loadMnist();
const rows = await networkWorkloads(mnist);
peakStats = await peak(peakStats);
rows.push(...(await gemmWorkloads(peakStats.median)));
await tf.setBackend('wasm');
const relaxed = relaxedChild();
const threads = await threadScaling(mnist, log);
const result = {
  meta: {
    date: new Date().toISOString(),
    quick: QUICK,
    cpu,
    cores: cpus().length,
    node: process.version,
    v8: process.versions.v8,
    tfjsWasm: tfjsWasmInfo(),
    brain: 'brain.js 1.6.1 (v2 betas need the native gpu.js build: not installable here)',
    seconds: Math.round((performance.now() - started) / 1000),
    // 1-minute load average before / after: other processes on the machine (noise).
    load: [loadBefore, loadavg()[0]].map((l) => Number(l.toFixed(2))),
  },
  peak: { plain: peakStats, relaxed: relaxed.peak },
  rows,
  relaxed: relaxed.rows,
  threads,
};
const stem = QUICK ? 'quick' : 'latest';
writeFileSync(here(`./results/${stem}.json`), JSON.stringify(result, null, 2) + '\n');
const threadsMd = writeThreads(threads, result.meta, QUICK ? 'quick.threads' : 'threads');
const md = renderMarkdown(result) + '\n' + threadsMd;
writeFileSync(here(`./results/${stem}.md`), md);
writeFileSync(here(`./results/${QUICK ? 'quick' : 'chart'}.svg`), renderSvg(result));
if (!QUICK) updateReadme(here('../README.md'), md);
console.log(renderMarkdown(result));
log(`done in ${result.meta.seconds} s`);
