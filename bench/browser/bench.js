// In Chromium, on a cross-origin-isolated page (bench/browser.mjs): wasm-mlp f32 and TF.js's
// wasm backend (threaded SIMD build) on the same work, at one thread and at `threads`.
// window.run(engine, threads) → { gemm: GFLOP/s, train: samples/s, threadsInUse }.
import { Network } from '/dist/index.js';

const tf = globalThis.tf;

function lcg(n, seed) {
  let s = seed >>> 0;
  return Float32Array.from(
    { length: n },
    () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32,
  );
}

/** Median throughput of `reps` timed blocks of `f` repeated to ~150 ms (after warm-up). */
async function rate(f, work, reps = 7) {
  await f();
  await f();
  let t0 = performance.now();
  await f();
  const n = Math.max(1, Math.round(150 / Math.max(performance.now() - t0, 0.01)));
  const rates = [];
  for (let r = 0; r < reps; r++) {
    t0 = performance.now();
    for (let i = 0; i < n; i++) await f();
    rates.push((n * work * 1000) / (performance.now() - t0));
  }
  rates.sort((a, b) => a - b);
  return rates[(reps - 1) / 2];
}

const X = lcg(64 * 784, 1);
const Y = lcg(64 * 10, 2);
const A = lcg(1024 * 1024, 3);
const B = lcg(1024 * 1024, 4);

async function wasmMlp(threads) {
  const gemmNet = await Network.create({ layers: [1024, 1024], activation: 'linear', threads });
  const gemm = await rate(() => void gemmNet.forward(A), (2 * 1024 ** 3) / 1e9, 5);
  const threadsInUse = gemmNet.threads.count;
  gemmNet.dispose();
  const net = await Network.create({ layers: [784, 128, 64, 10], learningRate: 0.1, threads });
  const train = await rate(() => void net.trainStep(X, Y), 64);
  net.dispose();
  return { gemm, train, threadsInUse };
}

let tfReady;
async function tfjs(threads) {
  tfReady ??= (async () => {
    tf.wasm.setWasmPaths('/tfjs/wasm/');
    tf.wasm.setThreadsCount(threads);
    await tf.setBackend('wasm');
    await tf.ready();
  })();
  await tfReady;
  const a = tf.tensor2d(A, [1024, 1024]);
  const b = tf.tensor2d(B, [1024, 1024]);
  const gemm = await rate(
    () => tf.tidy(() => tf.matMul(a, b)).dataSync() && undefined,
    (2 * 1024 ** 3) / 1e9,
    5,
  );
  const model = tf.sequential();
  model.add(tf.layers.dense({ units: 128, activation: 'sigmoid', inputShape: [784] }));
  model.add(tf.layers.dense({ units: 64, activation: 'sigmoid' }));
  model.add(tf.layers.dense({ units: 10, activation: 'sigmoid' }));
  model.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanSquaredError' });
  const xs = tf.tensor2d(X, [64, 784]);
  const ys = tf.tensor2d(Y, [64, 10]);
  const train = await rate(() => model.trainOnBatch(xs, ys), 64);
  return {
    gemm,
    train,
    threadsInUse: tf.wasm.getThreadsCount(),
    simd: tf.env().getBool('WASM_HAS_SIMD_SUPPORT'),
    threadsSupported: tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT'),
  };
}

window.run = (engine, threads) => (engine === 'tfjs' ? tfjs(threads) : wasmMlp(threads));
window.ready = { crossOriginIsolated: self.crossOriginIsolated, tf: typeof tf?.wasm };
