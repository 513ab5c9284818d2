// The engines under test, behind one interface:
//   const e = await engine.create(layers, learningRate)
//   e.train(x, y, batch)   one training step on a batch (may return a promise)
//   e.predict(x, batch)    forward only, output read back to JS (may return a promise)
//   e.dispose()
// Same architecture everywhere: dense layers, sigmoid on every layer, plain SGD.
// Loss: wasm-mlp and the reference use ½·Σ(ŷ − y)²; TF.js uses meanSquaredError (the same
// gradient up to a constant factor 1/(batch·outputs): identical FLOPs); brain.js uses its own
// per-sample SGD on (y − ŷ)·σ' (= the ½·SSE gradient), with momentum at its smallest accepted
// value, since it has no mini-batches: one "step" on a batch is one update per sample.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Network } from '../dist/index.js';

const require = createRequire(import.meta.url);

function wasmMlp(dtype, backend = 'wasm') {
  return {
    async create(layers, learningRate) {
      // One thread: this table compares engines core for core (bench/threads.mjs scales).
      const net = await Network.create({ layers, dtype, backend, learningRate, threads: 1 });
      const cast = (a) => (dtype === 'f64' && a instanceof Float32Array ? Float64Array.from(a) : a);
      const memo = new Map(); // f64 copies of the (fixed) benchmark arrays, made once
      const as = (a) => {
        if (dtype !== 'f64') return a;
        let c = memo.get(a);
        if (!c) memo.set(a, (c = cast(a)));
        return c;
      };
      return {
        train: (x, y) => net.trainStep(as(x), as(y)),
        predict: (x) => net.forward(as(x)),
        dispose: () => net.dispose(),
      };
    },
  };
}

let tf;
let tfl;
let tfWasm;

/** TF.js wasm's SIMD / threads state (call after the wasm backend was initialized). */
export function tfjsWasmInfo() {
  return {
    simd: tf.env().getBool('WASM_HAS_SIMD_SUPPORT'),
    threadsSupported: tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT'),
    threads: tfWasm.getThreadsCount(),
  };
}
/** TF.js core + layers with the cpu and wasm backends registered (wasm: 1 thread). */
async function tfjs() {
  if (tf) return tf;
  tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-cpu');
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const dir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
  wasm.setWasmPaths(join(dir, 'dist') + '/');
  wasm.setThreadsCount(1);
  tfl = await import('@tensorflow/tfjs-layers');
  tfWasm = wasm;
  return tf;
}

function tfjsEngine(backend) {
  return {
    async create(layers, learningRate) {
      const tf = await tfjs();
      await tf.setBackend(backend);
      await tf.ready();
      const model = tfl.sequential();
      for (let i = 1; i < layers.length; i++) {
        model.add(
          tfl.layers.dense({
            units: layers[i],
            activation: 'sigmoid',
            ...(i === 1 ? { inputShape: [layers[0]] } : {}),
          }),
        );
      }
      model.compile({ optimizer: tf.train.sgd(learningRate), loss: 'meanSquaredError' });
      const nIn = layers[0];
      const nOut = layers[layers.length - 1];
      return {
        async train(x, y, batch) {
          const xs = tf.tensor2d(x, [batch, nIn]);
          const ys = tf.tensor2d(y, [batch, nOut]);
          await model.trainOnBatch(xs, ys);
          xs.dispose();
          ys.dispose();
        },
        predict(x, batch) {
          return tf.tidy(() => model.predict(tf.tensor2d(x, [batch, nIn])).dataSync());
        },
        dispose: () => model.dispose(),
      };
    },
  };
}

const brainEngine = {
  async create(layers, learningRate) {
    const brain = require('brain.js');
    const net = new brain.NeuralNetwork({
      hiddenLayers: layers.slice(1, -1),
      activation: 'sigmoid',
      learningRate,
      momentum: 1e-9,
    });
    const zeros = (n) => new Array(n).fill(0);
    net.train([{ input: zeros(layers[0]), output: zeros(layers[layers.length - 1]) }], {
      iterations: 1,
    });
    const nIn = layers[0];
    const nOut = layers[layers.length - 1];
    const patterns = new Map(); // per-sample views of each batch, made once per batch array
    const patternsOf = (x, y, batch) => {
      let p = patterns.get(x);
      if (!p) {
        p = Array.from({ length: batch }, (_, r) => ({
          input: x.subarray(r * nIn, (r + 1) * nIn),
          output: y.subarray(r * nOut, (r + 1) * nOut),
        }));
        patterns.set(x, p);
      }
      return p;
    };
    return {
      train(x, y, batch) {
        for (const p of patternsOf(x, y, batch)) net.trainPattern(p);
      },
      predict(x, batch) {
        let last;
        for (let r = 0; r < batch; r++) last = net.run(x.subarray(r * nIn, (r + 1) * nIn));
        return last;
      },
      dispose() {},
    };
  },
};

/** Every engine, in table order. `peer` marks the ones wasm-mlp f32 is compared against. */
export const ENGINES = [
  { id: 'wasm-f32', label: 'wasm-mlp f32', ...wasmMlp('f32') },
  { id: 'wasm-f64', label: 'wasm-mlp f64', ...wasmMlp('f64') },
  { id: 'reference', label: 'TS reference f64', peer: true, ...wasmMlp('f64', 'reference') },
  { id: 'tfjs-wasm', label: 'TF.js wasm', peer: true, ...tfjsEngine('wasm') },
  { id: 'tfjs-cpu', label: 'TF.js cpu', peer: true, ...tfjsEngine('cpu') },
  { id: 'brain', label: 'brain.js 1.6.1', peer: true, ...brainEngine },
];

export { tfjs };
