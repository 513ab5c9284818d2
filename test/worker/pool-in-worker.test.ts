// A training worker owns a thread pool of its own: trainInWorker with `threads: 2` trains on two
// threads inside the worker_threads worker (the pool's workers are nested workers) and gives the
// same parameters, bit for bit, as `threads: 1`.
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { trainInWorker } from 'wasm-mlp/worker';
import { flatParams } from '../helpers.js';

let worker: Worker;
beforeAll(() => {
  worker = new Worker(new URL('./fixtures/train-worker.mjs', import.meta.url));
});
afterAll(() => worker.terminate());

const ROWS = 256;
const x = () => new Float32Array(ROWS * 64).map((_, i) => Math.sin(0.21 * i));
const y = () => new Float32Array(ROWS * 3).map((_, i) => (i % 3 === 0 ? 1 : 0));

it('trainInWorker with threads: 2 equals threads: 1 bit for bit', async () => {
  const run = async (threads: number) => {
    const {
      parameters,
      loss,
      threads: used,
    } = await trainInWorker(worker, {
      network: { layers: [64, 200, 100, 3], activation: 'tanh', threads, seed: 4 },
      x: x(),
      y: y(),
      steps: 40,
      batchSize: 128,
    }).done;
    expect(used).toEqual({ requested: threads, count: threads });
    return { params: flatParams(parameters), loss };
  };
  const one = await run(1);
  const two = await run(2);
  expect(two.loss).toBe(one.loss);
  expect(Buffer.from(Float64Array.from(two.params).buffer)).toEqual(
    Buffer.from(Float64Array.from(one.params).buffer),
  );
});
