// Child of run.mjs, started with --experimental-wasm-relaxed-simd: the relaxed-SIMD peak loop,
// the relaxed build's GEMM (its test build target/test-wasm/wasm_mlp_relaxed_test.wasm, which
// exports the kernels alone) and mnist training through the public
// API (whose loader now picks the relaxed build). Prints JSON on stdout.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadMnist } from './data.mjs';
import { ENGINES } from './engines.mjs';
import { GEMM_SHAPES, coreGemm, flopsOf } from './gemm.mjs';
import { QUICK, measure } from './harness.mjs';
import { PEAK_FLOPS_PER_TRIP, peakFunction } from './simd-peak.mjs';

const bytes = readFileSync(
  fileURLToPath(new URL('../target/test-wasm/wasm_mlp_relaxed_test.wasm', import.meta.url)),
);
const { exports } = new WebAssembly.Instance(new WebAssembly.Module(bytes), {});
const repeat = (n, f) => {
  for (let i = 0; i < n; i++) f();
};

const f = peakFunction({ relaxed: true });
// Fastest of two medians (see run.mjs: contention only slows a register-only loop).
const peakRuns = [];
for (let i = 0; i < 2; i++) {
  peakRuns.push(
    await measure((u) => f(u * 1e5), { workPerUnit: (1e5 * PEAK_FLOPS_PER_TRIP) / 1e9 }),
  );
}
const peak = peakRuns.reduce((a, b) => (a.median >= b.median ? a : b));
const rows = [];
for (const shape of GEMM_SHAPES.filter((s) => !QUICK || s.m !== 1024)) {
  const gemm = coreGemm(exports, 'f32', shape);
  const stats = await measure((u) => repeat(u, gemm), { workPerUnit: flopsOf(shape) / 1e9 });
  rows.push({
    id: shape.id,
    label: shape.label,
    unit: 'GFLOP/s',
    relaxed: stats,
    fractionOfPeak: stats.median / peak.median,
  });
}
const mnist = loadMnist().batchesOf(64);
const engine = ENGINES.find((e) => e.id === 'wasm-f32');
const net = await engine.create([784, 128, 64, 10], 0.1);
let i = 0;
const stats = await measure(
  (u) =>
    repeat(u, () => {
      net.train(mnist.x[i % mnist.x.length], mnist.y[i++ % mnist.y.length], 64);
    }),
  { workPerUnit: 64 },
);
rows.push({
  id: 'mnist-train',
  label: 'mnist [784,128,64,10] batch 64, train',
  unit: 'samples/s',
  relaxed: stats,
});
console.log(JSON.stringify({ peak, rows }));
