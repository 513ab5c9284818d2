// The README's Node example ("Training in a worker"), run by test/worker-readme.test.ts, which
// checks that the README shows this code verbatim (from the first import on) and that the
// process exits by itself once training is done.
import { Worker } from 'node:worker_threads';
import { trainInWorker } from 'wasm-mlp/worker';

const worker = new Worker(new URL('./train-worker.mjs', import.meta.url));
try {
  const run = trainInWorker(worker, {
    network: { layers: [2, 3, 1], learningRate: 0.5, seed: 1 },
    x: new Float32Array([0, 0, 0, 1, 1, 0, 1, 1]),
    y: new Float32Array([0, 1, 1, 0]),
    steps: 10_000,
  });
  const { loss, parameters } = await run.done;
  console.log(`loss ${loss.toFixed(4)}, ${parameters.weights.length} weight matrices`);
} finally {
  // The worker is yours and can serve more runs: until it is terminated, Node keeps running.
  await worker.terminate();
}
